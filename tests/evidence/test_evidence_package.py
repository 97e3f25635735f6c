"""Case packages: export, third-party check with common tools, tamper detection, unsafe zips."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from evhelpers import make_result
from typer.testing import CliRunner

from evidence.errors import UnsafePackageEntry
from evidence.package import artifact_name, export_package, verify_package
from evidence.package_html import render_index
from evidence.vault import EvidenceVault
from evidence.zipsafe import read_entries, safe_extract
from lantian.commands.evidence import app

runner = CliRunner()


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvidenceVault, Path]:
    """One store with three captures, and a package of listing L-1's two (exported once)."""
    root = tmp_path_factory.mktemp("pkg")
    vault = EvidenceVault(root / "evidence", root / "keys", "tester")
    vault.record(make_result(text="专利包授权", seq=1), "L-1", "run-1")
    vault.record(
        make_result(text="商标百分百注册", seq=2, url="https://bbs.example.cn/t/2"), "L-2", "run-1"
    )
    vault.record(make_result(text="专利包授权 第二次", seq=3), "L-1", "run-2", reason="recheck")
    uids = [m.capture_uid for m in vault.captures_for_listing("L-1")]
    return vault, export_package(vault, uids, root / "out" / "case.zip").path


@pytest.fixture
def package(packaged: tuple[EvidenceVault, Path]) -> Path:
    return packaged[1]


def test_package_contents_equal_the_store(packaged: tuple[EvidenceVault, Path]) -> None:
    filled_vault, package = packaged
    files = read_entries(package)
    manifests = filled_vault.captures_for_listing("L-1")
    for m in manifests:
        assert files[f"manifests/{m.capture_uid}.json"] == filled_vault.manifest_bytes(
            m.capture_uid
        )
        for a in m.artifacts:
            name = next(n for n in files if n.startswith(f"artifacts/{a.sha256}"))
            assert files[name] == filled_vault.artifacts.get(a.sha256)
    other = filled_vault.captures_for_listing("L-2")[0].capture_uid
    assert not any(other in n for n in files)
    assert len(files["ledger.jsonl"].splitlines()) == 2
    signed = json.loads(files["package.json"])["files"]
    assert set(signed) == set(files) - {"package.json", "package.json.sig"}
    report = verify_package(package, filled_vault.signer.public_pem())
    assert report.ok, report.problems
    assert (report.captures, report.artifacts_checked) == (2, 10)


def _recipe_blocks(verify_md: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", verify_md, flags=re.S)


def test_third_party_check_with_common_tools(package: Path, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq not installed; the recipe's ledger step needs it")
    folder = tmp_path / "unzipped"
    safe_extract(package, folder)
    script = "set -e\n" + "\n".join(_recipe_blocks((folder / "VERIFY.md").read_text()))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "-c", script], cwd=folder, capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert (
        out.count("Signature Verified Successfully") == 2 + 1 + 1
    )  # manifests, package.json, WACZ digest
    assert "FAILED" not in out and "CHANGED" not in out
    assert out.count("entry OK") == 2
    assert "digest matches" in out
    assert "Validation succeeded" in out + proc.stderr


def test_tampered_package_fails_check(package: Path, tmp_path: Path) -> None:
    files = read_entries(package)
    victim = next(n for n in files if n.endswith(".png"))
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data + b"x" if name == victim else data)
    report = verify_package(tampered)
    assert not report.ok
    assert {p.subject for p in report.problems} >= {victim}
    result = runner.invoke(app, ["verify-package", str(tampered)])
    assert result.exit_code == 1
    assert f"FAIL {victim}: content changed" in result.stdout


def test_index_html_escapes_page_strings(vault: EvidenceVault) -> None:
    evil = '<script>alert("x")</script>'
    stored = vault.record(make_result(url=f"https://x.example.cn/?q={evil}"), f"L-{evil}")
    manifest = vault.manifest(stored.capture_uid)
    index = render_index(evil, [manifest], vault.ledger.entries(), "f" * 64, artifact_name)
    assert "<script>" not in index
    assert "&lt;script&gt;" in index
    assert "default-src 'none'" in index


def test_cli_export_by_listing_then_verify_package(
    filled_vault: EvidenceVault, tmp_path: Path
) -> None:
    out = tmp_path / "by-listing.zip"
    result = runner.invoke(app, ["export", "--listing", "L-2", "--out", str(out), "--no-wacz"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    pub = tmp_path / "pub.pem"
    pub.write_bytes(runner.invoke(app, ["pubkey"]).stdout.encode())
    checked = runner.invoke(
        app, ["verify-package", str(out), "--pubkey", str(pub), "--extract", str(tmp_path / "x")]
    )
    assert checked.exit_code == 0, checked.output
    assert (tmp_path / "x" / "VERIFY.md").is_file()
    assert runner.invoke(app, ["export", "--listing", "nope", "--out", str(out)]).exit_code == 2


def _zip_with(path: Path, name: str, data: bytes = b"x", mode: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("VERIFY.md", b"fine")
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        zf.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("name", "mode", "why"),
    [
        ("../../evil.txt", None, "path traversal"),
        ("artifacts/../../evil.txt", None, "path traversal"),
        ("/etc/evil.txt", None, "absolute path"),
        ("C:/evil.txt", None, "absolute path"),
        ("artifacts\\..\\evil.txt", None, "backslash"),
        ("link", stat.S_IFLNK | 0o777, "symlink"),
    ],
)
def test_unsafe_zip_entries_are_refused(
    tmp_path: Path, name: str, mode: int | None, why: str
) -> None:
    bad = _zip_with(tmp_path / "bad.zip", name, b"/etc/passwd", mode)
    with pytest.raises(UnsafePackageEntry, match=why):
        read_entries(bad)
    dest = tmp_path / "dest" / "inner"
    with pytest.raises(UnsafePackageEntry):
        safe_extract(bad, dest)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "dest" / "evil.txt").exists()
    assert not dest.exists()
    result = runner.invoke(app, ["verify-package", str(bad), "--extract", str(dest)])
    assert result.exit_code == 1
    assert why in result.output


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "dup.zip"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("a.txt", b"1")
        zf.writestr("a.txt", b"2")
    with pytest.raises(UnsafePackageEntry, match="appears twice"):
        read_entries(bad)


def test_sha256sums_lists_every_artifact(package: Path) -> None:
    files = read_entries(package)
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest

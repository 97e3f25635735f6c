"""Case packages: one zip a third party checks with the public key and common tools.

Layout inside the zip::

    VERIFY.md                       the recipe (sha256sum, openssl, jq, wacz)
    index.html                      screenshots and hashes for people
    public_key.pem                  the signer's Ed25519 public key
    package.json (+ .sig)           what is in the package, signed
    manifests/<uid>.json (+ .sig)   each capture's signed manifest, byte for byte
    artifacts/<sha256>.<ext>        each artifact, named by its hash
    SHA256SUMS                      every artifact and manifest, for sha256sum -c
    ledger.jsonl                    the ledger entries of these captures (a slice of the chain)
    archive.wacz                    the WARC records as a validated WACZ
    datapackage-digest.json (+ .sig)  the WACZ's digest file, signed with our key
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidence.canonical import canonical_json, utc_iso
from evidence.errors import LedgerError, PackageError, UnknownCapture
from evidence.ledger import LedgerEntry
from evidence.manifest import Manifest, ManifestError
from evidence.package_html import render_index, render_verify_md
from evidence.signing import key_fingerprint, load_public_key, verify_signature
from evidence.timestamp import TimestampError, parse_response
from evidence.vault import EvidenceVault
from evidence.verify import VerifyReport
from evidence.wacz_archive import DIGEST_NAME, WaczPage, create_wacz
from evidence.zipsafe import read_entries, write_entry

_UID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$")
_EXT = {
    "image/png": ".png",
    "text/html": ".html",
    "multipart/related": ".mhtml",
    "application/json": ".json",
    "application/warc": ".warc.gz",
}
_ARTIFACT_NAME = re.compile(r"^artifacts/([0-9a-f]{64})(\.[a-z.]+)?$")


def artifact_name(sha256: str, media_type: str) -> str:
    base = media_type.split(";", 1)[0].strip().lower()
    return f"artifacts/{sha256}{_EXT.get(base, '.bin')}"


@dataclass(frozen=True)
class PackageSummary:
    path: Path
    captures: list[str]
    artifacts: int
    bytes: int
    public_key_sha256: str


def _capture_files(
    vault: EvidenceVault,
    manifests: dict[str, Manifest],
    ledger_slice: list[LedgerEntry],
    pem: bytes,
) -> dict[str, bytes]:
    """The key, each capture's manifest, signature, timestamp and artifacts, the ledger slice
    and ``SHA256SUMS``, by their names in the package."""
    files: dict[str, bytes] = {"public_key.pem": pem}
    sums: list[tuple[str, str]] = []
    for uid, manifest in manifests.items():
        raw = vault.manifest_bytes(uid)
        files[f"manifests/{uid}.json"] = raw
        files[f"manifests/{uid}.json.sig"] = vault.signature_bytes(uid)
        tsr = vault.timestamp_bytes(uid)
        if tsr is not None:
            files[f"manifests/{uid}.json.tsr"] = tsr
        sums.append((hashlib.sha256(raw).hexdigest(), f"manifests/{uid}.json"))
        for art in manifest.artifacts:
            name = artifact_name(art.sha256, art.media_type)
            if name not in files:
                files[name] = vault.artifacts.get(art.sha256)
                sums.append((art.sha256, name))
    files["ledger.jsonl"] = b"".join(e.to_line() for e in ledger_slice)
    files["SHA256SUMS"] = "".join(f"{h}  {n}\n" for h, n in sums).encode()
    return files


def _web_archive(
    vault: EvidenceVault, manifests: dict[str, Manifest]
) -> tuple[dict[str, bytes], list[WaczPage]]:
    """Each capture's WARC and its page entry, for the package's WACZ."""
    warcs: dict[str, bytes] = {}
    pages: list[WaczPage] = []
    for uid, manifest in manifests.items():
        warc = manifest.artifact("warc")
        if warc is not None:
            warcs[f"{uid}.warc.gz"] = vault.artifacts.get(warc.sha256)
            pages.append(
                WaczPage(uid, manifest.final_url, manifest.captured_at, manifest.listing_ref)
            )
    return warcs, pages


def _package_index(
    vault: EvidenceVault,
    title: str,
    uids: list[str],
    entries_by_uid: dict[str, LedgerEntry],
    files: dict[str, bytes],
    fingerprint: str,
) -> dict[str, Any]:
    """``package.json``: what is inside and the SHA-256 of every file (signed)."""
    return {
        "format": "lantian-case-package/1",
        "title": title,
        "created_at": utc_iso(datetime.now(UTC)),
        "operator": vault.operator,
        "public_key_sha256": fingerprint,
        "captures": [
            {
                "capture_uid": uid,
                "manifest_sha256": entries_by_uid[uid].manifest_sha256,
                "ledger_index": entries_by_uid[uid].index,
            }
            for uid in uids
        ],
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }


def export_package(
    vault: EvidenceVault,
    capture_uids: list[str],
    out: Path,
    title: str = "Lantian evidence package",
    wacz: bool = True,
) -> PackageSummary:
    """Write a case package of ``capture_uids`` to ``out`` (written to a temporary name, then moved).

    ``wacz=False`` leaves out the web archive (faster; the WARC artifacts are still inside).
    """
    if not capture_uids:
        raise PackageError("no captures selected for the package")
    uids = list(dict.fromkeys(capture_uids))
    for uid in uids:
        if not _UID.match(uid):
            raise UnknownCapture(uid)
    manifests = {uid: vault.manifest(uid) for uid in uids}
    entries_by_uid = {e.capture_uid: e for e in vault.ledger.entries()}
    missing = [uid for uid in uids if uid not in entries_by_uid]
    if missing:
        raise PackageError(
            f"capture(s) not in the ledger, refusing to package: {', '.join(missing)}"
        )
    ledger_slice = sorted((entries_by_uid[u] for u in uids), key=lambda e: e.index)
    signer = vault.signer
    pem = signer.public_pem()

    files = _capture_files(vault, manifests, ledger_slice, pem)
    warcs, pages = _web_archive(vault, manifests)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lantian-pkg-", dir=out.parent) as tmp_name:
        tmp = Path(tmp_name)
        if warcs and wacz:
            wacz_path = tmp / "archive.wacz"
            digest = create_wacz(warcs, pages, wacz_path, title)
            files["archive.wacz"] = wacz_path.read_bytes()
            files[DIGEST_NAME] = digest
            files[f"{DIGEST_NAME}.sig"] = signer.sign(digest)

        # the human-readable files first, so package.json (signed) covers them too
        files["index.html"] = render_index(
            title, list(manifests.values()), ledger_slice, signer.fingerprint, artifact_name
        ).encode("utf-8")
        files["VERIFY.md"] = render_verify_md(
            signer.fingerprint,
            uids,
            has_wacz="archive.wacz" in files,
            has_timestamps=any(n.endswith(".tsr") for n in files),
        ).encode("utf-8")
        package_json = canonical_json(
            _package_index(vault, title, uids, entries_by_uid, files, signer.fingerprint)
        )
        files["package.json"] = package_json
        files["package.json.sig"] = signer.sign(package_json)

        partial = tmp / "package.zip"
        with zipfile.ZipFile(partial, "w") as zf:
            for name in sorted(files):
                write_entry(zf, name, files[name])
        partial.replace(out)
    total = sum(len(d) for d in files.values())
    artifacts = sum(1 for n in files if n.startswith("artifacts/"))
    return PackageSummary(out, uids, artifacts, total, signer.fingerprint)


def verify_package(path: Path, public_key_pem: bytes | None = None) -> VerifyReport:
    """Check a package as a third party would: signatures, hashes, ledger slice, WACZ digest.

    Without ``public_key_pem`` the package's own key is used and the report's notes
    say so; compare its fingerprint with the one the office publishes.
    """
    report = VerifyReport()
    files = read_entries(Path(path))
    own_pem = files.get("public_key.pem")
    pem = public_key_pem or own_pem
    if pem is None:
        report.add("public_key.pem", "missing and no key given")
        return report
    key = load_public_key(pem)
    fingerprint = key_fingerprint(key)
    if public_key_pem is None:
        report.notes.append(f"checked with the package's own public key, SHA-256 {fingerprint}")

    def check_sig(name: str) -> bytes | None:
        data = files.get(name)
        sig = files.get(f"{name}.sig")
        if data is None:
            report.add(name, "missing from the package")
            return None
        if sig is None:
            report.add(f"{name}.sig", "missing from the package")
        elif not verify_signature(key, sig, data):
            report.add(name, "signature invalid: the file or its signature was changed")
        return data

    package_raw = check_sig("package.json")
    _check_listed(package_raw, files, report)

    ledger = _read_ledger(files.get("ledger.jsonl", b""), report)
    report.ledger_entries = len(ledger)

    manifests_seen: list[Manifest] = []
    for name in sorted(n for n in files if n.startswith("manifests/") and n.endswith(".json")):
        raw = check_sig(name)
        if raw is None:
            continue
        try:
            manifest = Manifest.from_bytes(raw, origin=name)
        except ManifestError as exc:
            report.add(name, f"unreadable: {exc}")
            continue
        report.captures += 1
        manifests_seen.append(manifest)
        tsr = files.get(f"{name}.tsr")
        if tsr is not None:
            try:
                parse_response(tsr, hashlib.sha256(raw).digest(), None)
                report.timestamps += 1
            except TimestampError as exc:
                report.add(f"{name}.tsr", f"trusted timestamp invalid: {exc}")
        listed_entry = ledger.get(manifest.capture_uid)
        if listed_entry is None:
            report.add(name, "no ledger entry for this capture in ledger.jsonl")
        elif listed_entry.manifest_sha256 != hashlib.sha256(raw).hexdigest():
            report.add(name, "its SHA-256 differs from the ledger entry's")
        for art in manifest.artifacts:
            report.artifacts_checked += 1
            art_name = artifact_name(art.sha256, art.media_type)
            data = files.get(art_name)
            if data is None:
                report.add(art_name, f"missing ({art.kind} of capture {manifest.capture_uid})")
            elif hashlib.sha256(data).hexdigest() != art.sha256:
                report.add(
                    art_name, f"content changed ({art.kind} of capture {manifest.capture_uid})"
                )

    warc_hashes = {
        f"archive/{m.capture_uid}.warc.gz": a.sha256
        for m in manifests_seen
        if (a := m.artifact("warc")) is not None
    }
    if "archive.wacz" in files:
        _check_wacz(files["archive.wacz"], check_sig(DIGEST_NAME), warc_hashes, report)
    return report


def _check_listed(package_raw: bytes | None, files: dict[str, bytes], report: VerifyReport) -> None:
    """Every file ``package.json`` lists is in the zip with the hash it lists."""
    listed: dict[str, str] = {}
    if package_raw is not None:
        try:
            listed = dict(json.loads(package_raw)["files"])
        except (ValueError, KeyError, TypeError) as exc:
            report.add("package.json", f"unreadable: {exc}")
    for name, digest in listed.items():
        if name not in files:
            report.add(name, "listed in package.json but missing from the zip")
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            report.add(name, "content differs from the hash in package.json")


def _read_ledger(raw: bytes, report: VerifyReport) -> dict[str, LedgerEntry]:
    """The package's ledger slice by capture, each entry's hash and chain link checked."""
    ledger: dict[str, LedgerEntry] = {}
    previous: LedgerEntry | None = None
    for no, line in enumerate(raw.splitlines(), 1):
        try:
            entry = LedgerEntry.from_json(json.loads(line))
        except (ValueError, LedgerError) as exc:
            report.add(f"ledger.jsonl line {no}", f"unreadable: {exc}")
            continue
        if entry.computed_hash() != entry.entry_hash:
            report.add(f"ledger entry {entry.index}", "edited: content does not hash to entry_hash")
        if (
            previous is not None
            and entry.index == previous.index + 1
            and entry.prev_hash != previous.entry_hash
        ):
            report.add(
                f"ledger entry {entry.index}",
                "chain broken: prev_hash does not match entry before it",
            )
        ledger[entry.capture_uid] = entry
        previous = entry
    return ledger


def _check_wacz(
    wacz: bytes, signed_digest: bytes | None, warc_hashes: dict[str, str], report: VerifyReport
) -> None:
    """The signed digest names datapackage.json's hash, which names every WARC's hash."""
    try:
        with zipfile.ZipFile(io.BytesIO(wacz)) as wz:
            inner = wz.read(DIGEST_NAME)
            datapackage = wz.read("datapackage.json")
            contents = {
                name: wz.read(name) for name in wz.namelist() if name.startswith("archive/")
            }
        digest = json.loads(inner)
        resources = json.loads(datapackage)["resources"]
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        report.add("archive.wacz", f"not a readable WACZ: {exc}")
        return
    if signed_digest is not None and inner != signed_digest:
        report.add("archive.wacz", f"its {DIGEST_NAME} differs from the signed copy")
    if digest.get("hash") != "sha256:" + hashlib.sha256(datapackage).hexdigest():
        report.add("archive.wacz", "datapackage.json does not match the hash in its digest")
    for res in resources:
        path = str(res.get("path", ""))
        if (
            path in contents
            and res.get("hash") != "sha256:" + hashlib.sha256(contents[path]).hexdigest()
        ):
            report.add(f"archive.wacz:{path}", "content differs from datapackage.json")
    for path, sha in warc_hashes.items():
        if path not in contents:
            report.add(f"archive.wacz:{path}", "WARC of a packaged capture missing from the WACZ")
        elif hashlib.sha256(contents[path]).hexdigest() != sha:
            report.add(f"archive.wacz:{path}", "WARC differs from the capture's signed manifest")

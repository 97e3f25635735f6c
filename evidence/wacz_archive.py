"""Build and check a WACZ (web archive collection zipped) with the ``wacz`` tool.

The ``wacz`` command is run as a subprocess, exactly as a third party would run
it, so what we produce is what ``wacz validate`` accepts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from evidence.errors import PackageError

DIGEST_NAME = "datapackage-digest.json"


@dataclass(frozen=True)
class WaczPage:
    id: str
    url: str
    ts: str
    title: str


def wacz_command() -> list[str]:
    beside = Path(sys.executable).parent / "wacz"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("wacz")
    if found:
        return [found]
    raise PackageError("the `wacz` command is not installed (pip install wacz)")


def _run(args: list[str], what: str) -> str:
    proc = subprocess.run([*wacz_command(), *args], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise PackageError(f"wacz {what} failed (exit {proc.returncode}): {' | '.join(tail)}")
    return proc.stdout + proc.stderr


def create_wacz(warcs: dict[str, bytes], pages: list[WaczPage], out: Path, title: str) -> bytes:
    """Write ``out`` from named ``.warc.gz`` blobs, validate it, return its datapackage-digest.json."""
    with tempfile.TemporaryDirectory(prefix="lantian-wacz-") as tmp_name:
        tmp = Path(tmp_name)
        inputs = []
        for name, data in warcs.items():
            path = tmp / name
            path.write_bytes(data)
            inputs.append(str(path))
        pages_path = tmp / "pages.jsonl"
        lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
        lines += [json.dumps(p.__dict__, ensure_ascii=False) for p in pages]
        pages_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _run(["create", "-o", str(out), "-p", str(pages_path), "--title", title, *inputs], "create")
    validate_wacz(out)
    return read_digest(out)


def validate_wacz(path: Path) -> None:
    _run(["validate", "-f", str(path)], "validate")


def read_digest(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.read(DIGEST_NAME)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise PackageError(f"{path}: no {DIGEST_NAME} in the WACZ: {exc}") from exc

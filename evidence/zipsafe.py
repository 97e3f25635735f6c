"""Writing and reading zip files without trusting entry names.

A package may come back from anywhere, so reading rejects absolute paths,
``..`` components, backslashes, symlinks and other non-regular entries,
duplicate names, encrypted entries, and archives that inflate past a limit.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from evidence.errors import PackageError, UnsafePackageEntry

MAX_TOTAL_BYTES = 4 * 1024**3
_DRIVE = re.compile(r"^[A-Za-z]:")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe relative POSIX path, else raise :class:`UnsafePackageEntry`."""
    if not name or "\x00" in name:
        raise UnsafePackageEntry(f"zip entry {name!r}: empty or contains NUL")
    if "\\" in name:
        raise UnsafePackageEntry(f"zip entry {name!r}: backslash in path")
    if name.startswith("/") or _DRIVE.match(name):
        raise UnsafePackageEntry(f"zip entry {name!r}: absolute path")
    parts = PurePosixPath(name).parts
    if any(part in {"..", "."} for part in name.rstrip("/").split("/")) or ".." in parts:
        raise UnsafePackageEntry(f"zip entry {name!r}: path traversal ('..' or '.')")
    if "" in name.rstrip("/").split("/"):
        raise UnsafePackageEntry(f"zip entry {name!r}: empty path component")
    return name


def _check_info(info: zipfile.ZipInfo) -> None:
    check_name(info.filename)
    mode = info.external_attr >> 16
    if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        kind = "symlink" if stat.S_ISLNK(mode) else f"file type {stat.S_IFMT(mode):o}"
        raise UnsafePackageEntry(f"zip entry {info.filename!r}: {kind}, only regular files allowed")
    if info.flag_bits & 0x1:
        raise UnsafePackageEntry(f"zip entry {info.filename!r}: encrypted")


def write_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(check_name(name), date_time=FIXED_TIME)
    info.external_attr = (stat.S_IFREG | 0o444) << 16
    compress = not name.endswith((".png", ".gz", ".wacz", ".zip"))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    zf.writestr(info, data)


def read_entries(path: Path, max_total: int = MAX_TOTAL_BYTES) -> dict[str, bytes]:
    """Every regular file entry of the zip at ``path``, by name, after the safety checks."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"{path}: not a readable zip file: {exc}") from exc
    out: dict[str, bytes] = {}
    with zf:
        infos = zf.infolist()
        total = 0
        for info in infos:
            _check_info(info)
            total += info.file_size
            if total > max_total:
                raise UnsafePackageEntry(f"{path}: inflates past {max_total} bytes")
        for info in infos:
            if info.is_dir():
                continue
            if info.filename in out:
                raise UnsafePackageEntry(f"zip entry {info.filename!r}: appears twice")
            with zf.open(info) as fh:
                data = fh.read(info.file_size + 1)
            if len(data) != info.file_size:
                raise UnsafePackageEntry(
                    f"zip entry {info.filename!r}: size differs from its header"
                )
            out[info.filename] = data
    return out


def safe_extract(path: Path, dest: Path) -> list[Path]:
    """Extract into ``dest`` only what passes :func:`read_entries`; never follows links."""
    entries = read_entries(path)
    root = dest.resolve()
    written: list[Path] = []
    for name, data in entries.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise UnsafePackageEntry(f"zip entry {name!r}: would land outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            raise UnsafePackageEntry(f"zip entry {name!r}: {target} already exists")
        target.write_bytes(data)
        written.append(target)
    return written

"""Content-addressed artifact store: each artifact is named by its SHA-256 and written once.

``ArtifactStore`` is the interface; ``LocalArtifactStore`` keeps artifacts under
``<root>/artifacts/ab/cd/<sha256>``, written atomically (temporary file, fsync,
rename) and made read-only afterwards.  An S3-compatible backend would implement
the same five methods with object keys ``artifacts/ab/cd/<sha256>`` and
``If-None-Match: *`` on put.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from evidence.errors import ArtifactNotFound, ArtifactStoreError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
READ_ONLY = 0o444


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_digest(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ArtifactStoreError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def write_once(path: Path, data: bytes, mode: int = READ_ONLY) -> None:
    """Write ``data`` to ``path`` read-only, all or nothing, never over an existing file.

    Temporary file in the same folder (created 0600), fsync, chmod ``mode`` (0444; the
    signing key's 0600), then ``link()``: it raises ``FileExistsError`` when ``path``
    exists, so evidence is never overwritten.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class ArtifactStore(ABC):
    """Where artifact bytes live, addressed by their SHA-256."""

    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its SHA-256; storing the same bytes again is a no-op."""

    @abstractmethod
    def get(self, sha256: str) -> bytes:
        """The stored bytes; raises :class:`ArtifactNotFound`."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def iter(self) -> Iterator[str]:
        """Every stored digest (by the stored name, not re-hashed)."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A binary read stream over the artifact; raises :class:`ArtifactNotFound`."""


class LocalArtifactStore(ArtifactStore):
    """Artifacts in a directory tree on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.base = self.root / "artifacts"

    def path_for(self, sha256: str) -> Path:
        _check_digest(sha256)
        return self.base / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.exists():
            return digest
        try:
            # link() fails if another writer got there first, so nothing is ever overwritten.
            with contextlib.suppress(FileExistsError):
                write_once(target, data)
        except OSError as exc:
            raise ArtifactStoreError(
                f"could not write artifact {digest} under {self.base}: {exc}"
            ) from exc
        return digest

    def get(self, sha256: str) -> bytes:
        with self.open(sha256) as fh:
            return fh.read()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def iter(self) -> Iterator[str]:
        if not self.base.is_dir():
            return
        for path in sorted(self.base.glob("??/??/*")):
            if _SHA256.match(path.name):
                yield path.name

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError:
            raise ArtifactNotFound(sha256) from None

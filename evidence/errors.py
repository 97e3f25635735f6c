"""The evidence package's exceptions: one hierarchy, each message says what and where."""

from __future__ import annotations


class EvidenceError(Exception):
    """Base of every error raised by :mod:`evidence`."""


class CaptureError(EvidenceError):
    """One capture attempt failed; nothing of it was stored."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"capture of {url} failed: {reason}")
        self.url = url
        self.reason = reason


class NavigationError(CaptureError):
    """The browser could not load the page (network error, timeout, refused)."""


class ServerError(CaptureError):
    """The server answered with a transient error status (5xx, 429); worth another attempt."""


class BlockedAddressError(CaptureError):
    """The URL resolves to a private or loopback address and private networks are not allowed."""


class CaptureFailed(EvidenceError):
    """Every attempt at a capture failed; ``attempts`` holds each attempt's error."""

    def __init__(self, url: str, attempts: list[CaptureError]) -> None:
        reasons = "; ".join(f"attempt {i}: {a.reason}" for i, a in enumerate(attempts, 1))
        super().__init__(f"capture of {url} failed after {len(attempts)} attempt(s): {reasons}")
        self.url = url
        self.attempts = attempts


class ArtifactStoreError(EvidenceError):
    """The artifact store refused or could not complete an operation."""


class ArtifactNotFound(ArtifactStoreError):
    def __init__(self, sha256: str) -> None:
        super().__init__(f"no artifact {sha256} in the store")
        self.sha256 = sha256


class SigningKeyError(EvidenceError):
    """The signing key is missing, unreadable or has unsafe permissions."""


class LedgerError(EvidenceError):
    """The ledger could not be read or appended to."""


class PackageError(EvidenceError):
    """A case package could not be written, or a package read back is unsafe or malformed."""


class UnsafePackageEntry(PackageError):
    """A zip entry would escape the extraction root (absolute path, ``..``, symlink, device)."""


class UnknownCapture(EvidenceError):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no capture {ref!r} in the evidence store")
        self.ref = ref

"""Evidence: capture pages, keep them content-addressed, sign, chain, verify and package them.

Knows nothing of Scrapy, FastAPI or the SQL store; callers pass paths and values.
"""

from evidence.batch import CaptureFailure, Capturer, CaptureRequest, capture_urls
from evidence.browser import BrowserLaunchError, BrowserPool
from evidence.capture import CaptureOptions, capture, capture_with_retry
from evidence.errors import (
    ArtifactNotFound,
    BlockedAddressError,
    CaptureError,
    CaptureFailed,
    EvidenceError,
    NavigationError,
    PackageError,
    ServerError,
    UnknownCapture,
    UnsafePackageEntry,
)
from evidence.manifest import ArtifactRef, Manifest
from evidence.package import PackageSummary, export_package, verify_package
from evidence.result import CaptureResult
from evidence.store import ArtifactStore, LocalArtifactStore
from evidence.vault import EvidenceVault, StoredCapture
from evidence.verify import Problem, VerifyReport

__all__ = [
    "ArtifactNotFound",
    "ArtifactRef",
    "ArtifactStore",
    "BlockedAddressError",
    "BrowserLaunchError",
    "BrowserPool",
    "CaptureError",
    "CaptureFailed",
    "CaptureFailure",
    "CaptureOptions",
    "CaptureRequest",
    "CaptureResult",
    "Capturer",
    "EvidenceError",
    "EvidenceVault",
    "LocalArtifactStore",
    "Manifest",
    "NavigationError",
    "PackageError",
    "PackageSummary",
    "Problem",
    "ServerError",
    "StoredCapture",
    "UnknownCapture",
    "UnsafePackageEntry",
    "VerifyReport",
    "capture",
    "capture_urls",
    "capture_with_retry",
    "export_package",
    "verify_package",
]

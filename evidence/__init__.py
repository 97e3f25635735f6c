"""Evidence: capture pages, keep them content-addressed, sign, chain, verify and package them.

Knows nothing of Scrapy, FastAPI or the SQL store; callers pass paths and values.
Public surface: the names in ``__all__`` (a vault comes from ``open_vault``) and
``evidence.bench``; the rest is internal.
"""

import importlib
from typing import TYPE_CHECKING, Any

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
from evidence.isolation import Isolation, parse_isolation
from evidence.manifest import ArtifactRef, Manifest
from evidence.package import PackageSummary, export_package, verify_package
from evidence.result import CaptureResult
from evidence.store import ArtifactStore, LocalArtifactStore
from evidence.vault import EvidenceVault, StoredCapture
from evidence.verify import Problem, VerifyReport

__public_modules__ = ("bench",)


if TYPE_CHECKING:
    from evidence.browser import CHROMIUM_ARGS, sandbox_refusal
    from evidence.config import EvidenceConfig, EvidenceSettings, open_vault
    from evidence.egress import EgressPolicy, EgressProxy
    from evidence.errors import ArtifactStoreError
    from evidence.netguard import (
        ALLOWED_SCHEMES,
        RefusedAddress,
        checked_address,
        is_public_ip,
        resolve_host,
    )
    from evidence.signing import key_fingerprint, load_public_key
    from evidence.slots import WarmPool
    from evidence.verify import MANUAL_REASON, CaptureAnchor
    from evidence.webhook import WebhookError, post_webhook
    from evidence.zipsafe import safe_extract

_LAZY = {
    "CHROMIUM_ARGS": "evidence.browser",
    "sandbox_refusal": "evidence.browser",
    "EvidenceConfig": "evidence.config",
    "EvidenceSettings": "evidence.config",
    "open_vault": "evidence.config",
    "EgressPolicy": "evidence.egress",
    "EgressProxy": "evidence.egress",
    "ArtifactStoreError": "evidence.errors",
    "ALLOWED_SCHEMES": "evidence.netguard",
    "RefusedAddress": "evidence.netguard",
    "checked_address": "evidence.netguard",
    "is_public_ip": "evidence.netguard",
    "resolve_host": "evidence.netguard",
    "key_fingerprint": "evidence.signing",
    "load_public_key": "evidence.signing",
    "WarmPool": "evidence.slots",
    "CaptureAnchor": "evidence.verify",
    "MANUAL_REASON": "evidence.verify",
    "WebhookError": "evidence.webhook",
    "post_webhook": "evidence.webhook",
    "safe_extract": "evidence.zipsafe",
}


def __getattr__(name: str) -> Any:
    """Parts used by one caller each load on first use."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")


__all__ = [
    "ALLOWED_SCHEMES",
    "ArtifactNotFound",
    "ArtifactRef",
    "ArtifactStore",
    "ArtifactStoreError",
    "BlockedAddressError",
    "BrowserLaunchError",
    "BrowserPool",
    "CHROMIUM_ARGS",
    "CaptureAnchor",
    "CaptureError",
    "CaptureFailed",
    "CaptureFailure",
    "CaptureOptions",
    "CaptureRequest",
    "CaptureResult",
    "Capturer",
    "EgressPolicy",
    "EgressProxy",
    "EvidenceError",
    "EvidenceConfig",
    "EvidenceSettings",
    "EvidenceVault",
    "Isolation",
    "LocalArtifactStore",
    "MANUAL_REASON",
    "Manifest",
    "NavigationError",
    "PackageError",
    "PackageSummary",
    "parse_isolation",
    "Problem",
    "RefusedAddress",
    "ServerError",
    "StoredCapture",
    "UnknownCapture",
    "UnsafePackageEntry",
    "VerifyReport",
    "WarmPool",
    "WebhookError",
    "capture",
    "capture_urls",
    "capture_with_retry",
    "checked_address",
    "export_package",
    "is_public_ip",
    "key_fingerprint",
    "load_public_key",
    "open_vault",
    "post_webhook",
    "resolve_host",
    "safe_extract",
    "sandbox_refusal",
    "verify_package",
]

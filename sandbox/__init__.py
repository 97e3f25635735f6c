"""A simulated Chinese internet on loopback: a search engine, a marketplace and a forum.

Generated deterministically from a seed; knows its own ground truth.  See
``sandbox/README.md`` for URL schemes and HTML structure.
"""

import importlib
from typing import TYPE_CHECKING, Any

from sandbox.generate import DEFAULT_SEED, build_world
from sandbox.model import CATEGORIES, FORUM, MARKET, PLATFORMS, SEARCH, World
from sandbox.server import DEFAULT_BASE_PORT, SandboxServer, SandboxStartError
from sandbox.state import UnknownListingError
from sandbox.truth import base_urls, truth_records

__public_modules__ = ()


if TYPE_CHECKING:
    from sandbox.corpus import listing_pages

_LAZY = {
    "listing_pages": "sandbox.corpus",
}


def __getattr__(name: str) -> Any:
    """The page corpus loads on first use."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")


__all__ = [
    "CATEGORIES",
    "DEFAULT_BASE_PORT",
    "DEFAULT_SEED",
    "FORUM",
    "MARKET",
    "PLATFORMS",
    "SEARCH",
    "SandboxServer",
    "SandboxStartError",
    "UnknownListingError",
    "World",
    "base_urls",
    "build_world",
    "listing_pages",
    "truth_records",
]

"""A simulated Chinese internet on loopback: a search engine, a marketplace and a forum.

Generated deterministically from a seed; knows its own ground truth.  See
``sandbox/README.md`` for URL schemes and HTML structure.
"""

from sandbox.generate import DEFAULT_SEED, build_world
from sandbox.model import CATEGORIES, FORUM, MARKET, PLATFORMS, SEARCH, World
from sandbox.server import DEFAULT_BASE_PORT, SandboxServer, SandboxStartError
from sandbox.state import UnknownListingError
from sandbox.truth import base_urls, truth_records

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
    "truth_records",
]

"""Spiders per source kind, driven by site profiles in ``spiders/profiles/*.yaml``.

Public surface: the names in ``__all__`` (the items they yield, profiles, URL, archive and
check helpers); the rest is internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from spiders.base import ProfileSpider
from spiders.forum import ForumSpider
from spiders.marketplace import MarketplaceSpider
from spiders.profile import (
    Profile,
    ProfileError,
    bind_base,
    get_profile,
    load_profile,
    load_profiles,
)
from spiders.search import SearchSpider

__public_modules__ = ()

SPIDERS: dict[str, type[ProfileSpider]] = {
    "search": SearchSpider,
    "marketplace": MarketplaceSpider,
    "forum": ForumSpider,
}


def spider_for(profile: Profile) -> type[ProfileSpider]:
    return SPIDERS[profile.kind.value]


if TYPE_CHECKING:
    from spiders.archive import ArchivedResponse, ArchiveError, read_archives, warc_files
    from spiders.check import PageReport, check_page, url_key
    from spiders.encoding import choose_encoding
    from spiders.health import page_problem
    from spiders.items import ListingItem
    from spiders.profile import SessionSpec
    from spiders.urls import canonical_url
    from spiders.verification import check_archive
    from spiders.verification import load_record as load_verification
    from spiders.verification import save_record as save_verification
    from spiders.verification import status as verification_status

_LAZY = {
    "ArchiveError": "spiders.archive",
    "ArchivedResponse": "spiders.archive",
    "read_archives": "spiders.archive",
    "warc_files": "spiders.archive",
    "PageReport": "spiders.check",
    "check_page": "spiders.check",
    "url_key": "spiders.check",
    "choose_encoding": "spiders.encoding",
    "page_problem": "spiders.health",
    "ListingItem": "spiders.items",
    "SessionSpec": "spiders.profile",
    "canonical_url": "spiders.urls",
    "check_archive": "spiders.verification",
    "load_verification": "spiders.verification:load_record",
    "save_verification": "spiders.verification:save_record",
    "verification_status": "spiders.verification:status",
}


def __getattr__(name: str) -> Any:
    """Archives, checks and verification records load on first use."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'spiders' has no attribute {name!r}")


__all__ = [
    "ArchiveError",
    "ArchivedResponse",
    "ForumSpider",
    "ListingItem",
    "MarketplaceSpider",
    "PageReport",
    "Profile",
    "ProfileError",
    "ProfileSpider",
    "SPIDERS",
    "SearchSpider",
    "SessionSpec",
    "bind_base",
    "canonical_url",
    "check_archive",
    "check_page",
    "choose_encoding",
    "get_profile",
    "load_profile",
    "load_profiles",
    "load_verification",
    "page_problem",
    "read_archives",
    "save_verification",
    "spider_for",
    "url_key",
    "verification_status",
    "warc_files",
]

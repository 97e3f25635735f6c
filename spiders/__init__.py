"""Spiders per source kind, driven by site profiles in ``spiders/profiles/*.yaml``."""

from __future__ import annotations

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

SPIDERS: dict[str, type[ProfileSpider]] = {
    "search": SearchSpider,
    "marketplace": MarketplaceSpider,
    "forum": ForumSpider,
}


def spider_for(profile: Profile) -> type[ProfileSpider]:
    return SPIDERS[profile.kind.value]


__all__ = [
    "SPIDERS",
    "ForumSpider",
    "MarketplaceSpider",
    "Profile",
    "ProfileError",
    "ProfileSpider",
    "SearchSpider",
    "bind_base",
    "get_profile",
    "load_profile",
    "load_profiles",
    "spider_for",
]

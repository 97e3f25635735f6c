"""Marketplaces: search within the platform, listing pages (price, sales, seller), shop pages."""

from __future__ import annotations

from spiders.base import ProfileSpider


class MarketplaceSpider(ProfileSpider):
    """Item pages are listings; shop pages are listings of kind ``shop`` (licence, seller)."""

    name = "marketplace"

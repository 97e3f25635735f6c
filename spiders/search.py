"""Search engines: query templates over the keywords, result pages, then the landing pages."""

from __future__ import annotations

from spiders.base import ProfileSpider


class SearchSpider(ProfileSpider):
    """Result pages are navigation; the landing pages they lead to (usually other sites) are listings."""

    name = "search"

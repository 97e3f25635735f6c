"""What the crawl's browser may load: page content, not images, media or fonts."""

from __future__ import annotations

from typing import Any

SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def abort_request(request: Any) -> bool:
    """scrapy-playwright's ``PLAYWRIGHT_ABORT_REQUEST``: skip heavy resources the text never needs."""
    return bool(request.resource_type in SKIPPED_RESOURCES)

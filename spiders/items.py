"""What a spider hands the pipelines: one page that may be a listing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from store import utcnow

if TYPE_CHECKING:
    from classifiers import Verdict
    from evidence import StoredCapture


@dataclass
class ListingItem:
    """One listing as parsed from its page, filled in further by each pipeline stage.

    ``fields`` holds what the profile's selectors found (price, sales, author,
    replies...); ``shop``/``seller``/``region`` are promoted from it when present.
    """

    platform: str
    kind: str
    page_kind: str
    url: str
    title: str = ""
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    canonical_url: str = ""
    shop: str | None = None
    seller: str | None = None
    region: str | None = None
    keyword: str | None = None
    http_status: int | None = None
    encoding: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    rendered: bool = False
    # set by the classify stage: the verdict, and the search index's tokens of the listing's
    # searchable text (that text, its tokens), cut in the classify worker
    verdict: Verdict | None = None
    search_tokens: tuple[str, list[str]] | None = None
    # set by the capture stage
    capture: StoredCapture | None = None
    # set by the store stage
    listing_id: int | None = None
    version_id: int | None = None
    created: bool = False
    changed: bool = False

    @property
    def flagged(self) -> bool:
        return self.verdict is not None and self.verdict.irregular

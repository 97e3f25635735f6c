"""Recording what a crawl saw: deduplicate by canonical URL, version changed content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Listing, ListingVersion, Platform, SourceKind, utcnow


@dataclass(frozen=True)
class Observation:
    """One fetched page as the crawler hands it to the store."""

    platform_key: str
    canonical_url: str
    url: str
    title: str
    text: str
    page_kind: str = "listing"
    shop: str | None = None
    seller: str | None = None
    region: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=utcnow)
    run_id: int | None = None
    campaign_id: int | None = None
    http_status: int | None = None
    encoding: str | None = None

    def content_sha256(self) -> str:
        """Identity of the content: the title, text and the fields that describe the offer."""
        payload = json.dumps(
            {"title": self.title, "text": self.text, "fields": self.fields},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Recorded:
    listing: Listing
    version: ListingVersion
    created: bool
    """The listing was new."""
    changed: bool
    """A new version was written (new listing, or its content changed)."""
    inserted: bool = False
    """The version row was inserted by this call, so nothing refers to it yet (a content
    change back to an earlier version reuses that row: changed, not inserted)."""


def get_or_create_platform(
    session: Session,
    key: str,
    *,
    name: str | None = None,
    kind: SourceKind = SourceKind.search,
    base_url: str | None = None,
) -> Platform:
    platform = session.scalar(select(Platform).where(Platform.key == key))
    if platform is None:
        platform = Platform(key=key, name=name or key, kind=kind, base_url=base_url)
        session.add(platform)
        session.flush()
    return platform


def record_observation(session: Session, obs: Observation) -> Recorded:
    """Insert or update the listing for ``obs.canonical_url``.

    A listing seen again moves ``last_seen``; when its content hash differs from
    the current version, a new version is appended (old versions are never touched).
    """
    sha = obs.content_sha256()
    listing = session.scalar(select(Listing).where(Listing.canonical_url == obs.canonical_url))
    created = listing is None
    if listing is None:
        platform = get_or_create_platform(session, obs.platform_key)
        listing = Listing(
            platform_id=platform.id,
            canonical_url=obs.canonical_url,
            url=obs.url,
            page_kind=obs.page_kind,
            first_seen=obs.fetched_at,
            last_seen=obs.fetched_at,
            first_campaign_id=obs.campaign_id,
        )
        session.add(listing)
        session.flush()
    else:
        listing.last_seen = max(listing.last_seen, obs.fetched_at)
        listing.url = obs.url

    current = listing.current_version
    if current is not None and current.content_sha256 == sha:
        listing.online = True
        return Recorded(listing, current, created=False, changed=False)

    # a listing just created has no versions to reuse
    version = (
        None
        if created
        else session.scalar(
            select(ListingVersion).where(
                ListingVersion.listing_id == listing.id, ListingVersion.content_sha256 == sha
            )
        )
    )
    inserted = version is None
    if version is None:
        version = ListingVersion(
            listing_id=listing.id,
            content_sha256=sha,
            title=obs.title,
            text=obs.text,
            fields=obs.fields,
            fetched_at=obs.fetched_at,
            run_id=obs.run_id,
            http_status=obs.http_status,
            encoding=obs.encoding,
        )
        session.add(version)
        session.flush()
    listing.current_version_id = version.id
    listing.current_version = version
    listing.title = obs.title
    listing.shop = obs.shop or listing.shop
    listing.seller = obs.seller or listing.seller
    listing.region = obs.region or listing.region
    listing.online = True
    return Recorded(listing, version, created=created, changed=True, inserted=inserted)

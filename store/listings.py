"""Recording what a crawl saw: deduplicate by canonical URL, version changed content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

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
    return record_observations(session, [obs])[0]


def _new_listing(session: Session, obs: Observation, platforms: dict[str, Platform]) -> Listing:
    """A listing first seen in ``obs``, added to the session (its platform made if new)."""
    platform = platforms.get(obs.platform_key)
    if platform is None:
        platform = platforms[obs.platform_key] = get_or_create_platform(session, obs.platform_key)
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
    return listing


def _new_version(session: Session, obs: Observation, listing: Listing, sha: str) -> ListingVersion:
    """The version of ``listing`` that ``obs`` shows, added to the session."""
    version = ListingVersion(
        listing=listing,
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
    return version


def record_observations(session: Session, observations: Sequence[Observation]) -> list[Recorded]:
    """:func:`record_observation` for each of ``observations`` in turn, with the same rows as a
    result, the same ids included: one query finds the listings already stored (with their
    current versions) and one flush inserts what the batch adds, in the batch's order.

    A canonical URL seen twice in the batch sees its own earlier observation, as it would one
    at a time.
    """
    if not observations:
        return []
    urls = list(dict.fromkeys(obs.canonical_url for obs in observations))
    listings: dict[str, Listing] = {
        listing.canonical_url: listing
        for listing in session.scalars(
            select(Listing)
            .where(Listing.canonical_url.in_(urls))
            .options(selectinload(Listing.current_version))
        )
    }
    keys = list(dict.fromkeys(obs.platform_key for obs in observations))
    platforms = {p.key: p for p in session.scalars(select(Platform).where(Platform.key.in_(keys)))}
    created_here: set[str] = set()
    # versions this batch added, by (canonical URL, content hash): not in the database yet
    added: dict[tuple[str, str], ListingVersion] = {}
    recorded: list[Recorded] = []
    for obs in observations:
        sha = obs.content_sha256()
        listing = listings.get(obs.canonical_url)
        created = listing is None
        if listing is None:
            listing = listings[obs.canonical_url] = _new_listing(session, obs, platforms)
            created_here.add(obs.canonical_url)
        else:
            listing.last_seen = max(listing.last_seen, obs.fetched_at)
            listing.url = obs.url

        current = listing.current_version
        if current is not None and current.content_sha256 == sha:
            listing.online = True
            recorded.append(Recorded(listing, current, created=False, changed=False))
            continue

        version = added.get((obs.canonical_url, sha))
        if version is None and obs.canonical_url not in created_here:
            version = session.scalar(
                select(ListingVersion).where(
                    ListingVersion.listing_id == listing.id, ListingVersion.content_sha256 == sha
                )
            )
        inserted = version is None
        if version is None:
            version = added[(obs.canonical_url, sha)] = _new_version(session, obs, listing, sha)
        if version.id is not None:
            listing.current_version_id = version.id
        listing.current_version = version  # a version inserted below sets the id on flush
        listing.title = obs.title
        listing.shop = obs.shop or listing.shop
        listing.seller = obs.seller or listing.seller
        listing.region = obs.region or listing.region
        listing.online = True
        recorded.append(
            Recorded(listing, version, created=created, changed=True, inserted=inserted)
        )
    session.flush()
    return recorded

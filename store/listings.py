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
from sqlalchemy.orm.attributes import set_committed_value

from store.bulk import complete_defaults, insert_new
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
    """A listing first seen in ``obs``, not yet in the session (its platform made if new)."""
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
    complete_defaults(listing)
    return listing


def _new_version(obs: Observation, listing: Listing, sha: str) -> ListingVersion:
    """The version of ``listing`` that ``obs`` shows, not yet in the session."""
    return ListingVersion(
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


def record_observations(session: Session, observations: Sequence[Observation]) -> list[Recorded]:
    """:func:`record_observation` for each of ``observations`` in turn, with the same rows as a
    result, the same ids included: one query finds the listings already stored (with their
    current versions), and the new listings and the new versions go in one executemany each
    (:func:`store.bulk.insert_new`), in the batch's order.  Every id is set on return; the
    changes to listings already stored are left to the session's next flush.

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
    current = {url: listing.current_version for url, listing in listings.items()}
    created_here = _insert_listings(session, observations, listings)
    # versions this batch added, by (canonical URL, content hash): inserted below
    added: dict[tuple[str, str], ListingVersion] = {}
    recorded: list[Recorded] = []
    for i, obs in enumerate(observations):
        sha = obs.content_sha256()
        listing = listings[obs.canonical_url]
        created = created_here.get(obs.canonical_url) == i
        if not created:
            listing.last_seen = max(listing.last_seen, obs.fetched_at)
            listing.url = obs.url
        version = current.get(obs.canonical_url)
        if version is not None and version.content_sha256 == sha:
            listing.online = True
            recorded.append(Recorded(listing, version, created=False, changed=False))
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
            version = added[(obs.canonical_url, sha)] = _new_version(obs, listing, sha)
        current[obs.canonical_url] = version
        listing.title = obs.title
        listing.shop = obs.shop or listing.shop
        listing.seller = obs.seller or listing.seller
        listing.region = obs.region or listing.region
        listing.online = True
        recorded.append(
            Recorded(listing, version, created=created, changed=True, inserted=inserted)
        )
    insert_new(session, list(added.values()), ("listing_id", "content_sha256"))
    for rec in recorded:
        if rec.changed:
            rec.listing.current_version_id = rec.version.id
            set_committed_value(rec.listing, "current_version", rec.version)
    return recorded  # the listings' changes go with the next flush, ids are all set


def _insert_listings(
    session: Session, observations: Sequence[Observation], listings: dict[str, Listing]
) -> dict[str, int]:
    """Insert a listing for each URL not in ``listings`` (adding it there), from the URL's
    first observation; returns that observation's index by URL."""
    keys = list(dict.fromkeys(obs.platform_key for obs in observations))
    platforms = {p.key: p for p in session.scalars(select(Platform).where(Platform.key.in_(keys)))}
    first: dict[str, int] = {}
    for i, obs in enumerate(observations):
        if obs.canonical_url not in listings and obs.canonical_url not in first:
            first[obs.canonical_url] = i
    new = [_new_listing(session, observations[i], platforms) for i in first.values()]
    insert_new(session, new, ("canonical_url",))
    listings.update((listing.canonical_url, listing) for listing in new)
    return first

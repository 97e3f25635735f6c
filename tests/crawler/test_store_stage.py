"""The store stage on both databases: dedup, versions, verdicts, flags and actors (real classifier)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers import load_default_classifier
from crawler.pipelines.store import store_item
from spiders.items import ListingItem
from store.models import Actor, Classification, Listing, ListingStatus, ListingVersion, RuleHit


def _item(url: str, text: str, title: str = "代理服务") -> ListingItem:
    item = ListingItem(
        platform="zhiquanba",
        kind="forum",
        page_kind="thread",
        url=url,
        canonical_url=url,
        title=title,
        text=text,
        fields={"author": "甲"},
    )
    item.verdict = load_default_classifier().classify(item.text, item.title)
    return item


def test_listing_versions_flags_and_actor_links(session: Session) -> None:
    ad = _item("http://a.example/t/1", "发明专利包授权，不授权全额退款，加微信 zl888999 详聊")
    store_item(session, ad, run_id=None, campaign_id=None)
    session.commit()
    listing = session.get(Listing, ad.listing_id)
    assert listing is not None and ad.created and ad.changed
    assert listing.status == ListingStatus.flagged and listing.irregular
    assert "guaranteed_grant" in listing.categories
    classification = session.scalar(
        select(Classification).where(Classification.version_id == ad.version_id)
    )
    assert classification is not None
    hits = session.scalars(
        select(RuleHit).where(RuleHit.classification_id == classification.id)
    ).all()
    assert hits and all(h.legal_basis for h in hits)

    again = _item("http://a.example/t/1", ad.text)
    store_item(session, again, run_id=None, campaign_id=None)
    assert not again.created and not again.changed

    edited = _item("http://a.example/t/1", ad.text + "（已更新）")
    store_item(session, edited, run_id=None, campaign_id=None)
    session.commit()
    assert edited.changed and edited.version_id != ad.version_id
    versions = session.scalar(
        select(func.count())
        .select_from(ListingVersion)
        .where(ListingVersion.listing_id == ad.listing_id)
    )
    assert versions == 2

    elsewhere = _item("http://b.example/item/9", "商标注册包通过，联系微信 zl888999")
    store_item(session, elsewhere, run_id=None, campaign_id=None)
    session.commit()
    first, second = session.get(Listing, ad.listing_id), session.get(Listing, elsewhere.listing_id)
    assert first is not None and second is not None
    assert first.actor_id is not None and first.actor_id == second.actor_id
    assert session.scalar(select(func.count()).select_from(Actor)) == 1


def test_reviewer_decision_survives_a_new_verdict(session: Session) -> None:
    ad = _item("http://a.example/t/2", "专利代理师证书挂靠，人不用到岗，年费面议")
    store_item(session, ad, run_id=None, campaign_id=None)
    listing = session.get(Listing, ad.listing_id)
    assert listing is not None
    listing.status = ListingStatus.dismissed
    session.commit()
    changed = _item("http://a.example/t/2", ad.text + " 包授权")
    store_item(session, changed, run_id=None, campaign_id=None)
    session.commit()
    assert session.get(Listing, ad.listing_id).status == ListingStatus.dismissed  # type: ignore[union-attr]

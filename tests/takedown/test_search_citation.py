"""A notice to a search engine cites each search result by query, rank and result URL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from td_seed import T0, add_user

from store.listings import Observation, get_or_create_platform, record_observation
from store.models import Listing, ListingStatus, Role, SourceKind
from takedown.categories import default_catalog
from takedown.document import build_document
from takedown.grouping import draft_notices
from takedown.letter import render_letter_text

RESULT_URL = "http://www.baidu.com/link?url=K9qrn7fy_LTf38HTjN0pU"


def _serp_result(session: Session, platform: str, rank: int, *, ad: bool) -> None:
    get_or_create_platform(session, platform, kind=SourceKind.search)
    rec = record_observation(
        session,
        Observation(
            platform_key=platform,
            canonical_url=f"{RESULT_URL}{rank}#serp=%E4%B8%93%E5%88%A9",
            url=f"{RESULT_URL}{rank}",
            title="专利包授权 不过全额退款",
            text="专利包授权 不过全额退款\n下证率100%",
            page_kind="serp_result",
            fields={
                "engine": platform,
                "query": "专利\n## 代办",
                "rank": rank,
                "page_no": 2,
                "ad": ad,
            },
            fetched_at=T0,
        ),
    )
    rec.listing.status = ListingStatus.confirmed
    rec.listing.irregular = True
    rec.listing.categories = ["guaranteed_grant"]
    session.flush()


def _letter(session: Session, platform: str) -> str:
    reviewer = add_user(session, f"rev-{platform}", Role.reviewer)
    [notice] = draft_notices(session, reviewer, platform_key=platform, now=T0).created
    doc = build_document(
        session, notice, office_name="局", office_contact="", catalog=default_catalog()
    )
    assert all(item.search is not None for item in doc.items)
    return render_letter_text(doc)


def test_baidu_notice_cites_query_rank_and_result_url(session: Session) -> None:
    _serp_result(session, "baidu", 3, ad=True)
    letter = _letter(session, "baidu")
    assert "## 附：搜索结果信息" in letter
    line = next(line for line in letter.splitlines() if RESULT_URL in line)
    assert line.startswith("- 第1条：搜索关键词“专利 ## 代办”，结果第2页第3位（推广/广告）")
    assert line.endswith(f"结果链接：{RESULT_URL}3")


def test_any_engine_without_its_own_template_cites_them_too(session: Session) -> None:
    _serp_result(session, "so360", 1, ad=False)
    letter = _letter(session, "so360")
    assert f"结果第2页第1位，结果链接：{RESULT_URL}1" in letter


def test_a_landing_page_found_through_a_result_cites_that_result(session: Session) -> None:
    _serp_result(session, "baidu", 5, ad=False)
    serp = session.scalar(select(Listing).where(Listing.page_kind == "serp_result"))
    assert serp is not None
    serp.status = ListingStatus.new  # only the landing page is confirmed and noticed
    rec = record_observation(
        session,
        Observation(
            platform_key="baidu",
            canonical_url="https://grey.example.cn/zl",
            url="https://grey.example.cn/zl",
            title="专利加急包授权",
            text="包授权",
            page_kind="landing",
            fetched_at=T0,
        ),
    )
    rec.listing.found_via_id = serp.id
    rec.listing.status = ListingStatus.confirmed
    rec.listing.irregular = True
    rec.listing.categories = ["guaranteed_grant"]
    session.flush()
    letter = _letter(session, "baidu")
    assert f"结果第2页第5位，结果链接：{RESULT_URL}5（指向：https://grey.example.cn/zl）" in letter

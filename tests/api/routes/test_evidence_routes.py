from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from store.db import session_scope
from store.models import EvidenceArtifact, EvidenceCapture


def test_screenshot_is_served_by_hash_with_safe_headers(
    reviewer: TestClient, client: TestClient, seed, png: bytes
) -> None:  # type: ignore[no-untyped-def]
    seed.listing("标题", "正文", screenshot=png)
    sha = hashlib.sha256(png).hexdigest()
    r = reviewer.get(f"/evidence/{sha}")
    assert r.status_code == 200 and r.content == png
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("inline")
    assert "sandbox" in r.headers["content-security-policy"]
    assert client.get(f"/evidence/{sha}").status_code == 401


def test_paths_and_unknown_hashes_never_reach_the_file_system(reviewer: TestClient) -> None:
    for bad in ("..%2F..%2Fetc%2Fpasswd", "A" * 64, "0" * 63, "../" + "0" * 61):
        assert reviewer.get(f"/evidence/{bad}").status_code in (404, 422), bad
    assert reviewer.get(f"/evidence/{'0' * 64}").status_code == 404


def test_html_artifacts_are_never_served_as_html(
    reviewer: TestClient, app, seed, png: bytes
) -> None:  # type: ignore[no-untyped-def]
    lid = seed.listing("标题", "正文", screenshot=png)
    html = b"<html><script>alert(1)</script></html>"
    fake_png = b"<svg onload=alert(1)>"
    from evidence.store import LocalArtifactStore

    store = LocalArtifactStore(app.state.settings.resolved_evidence_dir)
    with session_scope(app.state.sessionmaker) as s:
        cap = s.scalars(select(EvidenceCapture).where(EvidenceCapture.listing_id == lid)).one()
        for data, kind, media in (
            (html, "dom", "text/html"),
            (fake_png, "screenshot", "image/png"),
        ):
            store.put(data)
            s.add(
                EvidenceArtifact(
                    capture_id=cap.id,
                    kind=kind,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    media_type=media,
                )
            )
    dom = reviewer.get(f"/evidence/{hashlib.sha256(html).hexdigest()}")
    assert dom.headers["content-type"].startswith("text/plain") and dom.content == html
    liar = reviewer.get(f"/evidence/{hashlib.sha256(fake_png).hexdigest()}")
    assert liar.headers["content-type"] == "application/octet-stream"
    assert liar.headers["content-disposition"].startswith("attachment")

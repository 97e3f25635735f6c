"""The reviewer UI in a real Chromium against a real uvicorn on loopback."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import expect

from store.db import session_scope
from store.models import Role, User

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
#: How long a page may take to answer. Generous on purpose: a full suite beside a CI run on two
#: cores once took over 15 s to log in (password hashing, a threaded server); a pass is no slower.
BROWSER_WAIT_MS = 45_000
XSS_TITLE = (
    '<script>window.__pwned="script"</script><img src=x onerror="window.__pwned=\'img\'">标题'
)
XSS_TEXT = "包授权 <a href=\"javascript:window.__pwned='href'\">点我</a> <svg onload=\"window.__pwned='svg'\"></svg>"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module (starting it is the slow part)."""
    from lantian.config import load_settings

    chromium = load_settings().chromium_path
    if not chromium or not Path(chromium).exists():
        pytest.skip("no Chromium found (settings.chromium_path); browser tests need one")
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=BROWSER_WAIT_MS)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(BROWSER_WAIT_MS)
    yield page
    context.close()


@pytest.fixture
def supervisor_account(app: FastAPI, password_hash: str) -> str:
    with session_scope(app.state.sessionmaker) as s:
        s.add(
            User(
                username="zhang",
                display_name="张主管",
                password_hash=password_hash,
                role=Role.supervisor,
            )
        )
    return "zhang"


def _eventually(check: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/queue")
    page.wait_for_url("**/login?next=*")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/queue")


def test_review_a_queue_with_the_keyboard(
    live: str, browser_page: Any, seed, supervisor_account: str, png: bytes
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    now = datetime.now(UTC)
    ids = [
        seed.listing(
            f"专利包授权 第{i}条",
            f"发明专利包授权，不授权全额退款，第{i}条",
            hits=[("guarantee", "包授权")],
            score=0.9 - i * 0.1,
            screenshot=png,
            when=now - timedelta(hours=i),
        )
        for i in range(4)
    ]
    _login(page, live, supervisor_account)
    rows = page.locator("#queue-table tr.row")
    assert rows.count() == 4
    assert rows.nth(0).get_attribute("class") and "current" in (
        rows.nth(0).get_attribute("class") or ""
    )

    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("?")

    page.keyboard.press("j")
    assert "current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("c")  # confirm row 1, selection moves to row 2
    expect(rows.nth(1)).to_have_class(re.compile(r"\bdone\b"))
    assert rows.nth(1).locator(".status").inner_text() == "已确认违规"

    page.keyboard.press("d")  # dismiss row 2: the reason dialog opens, 2 picks the second reason
    page.wait_for_selector("#dismiss-dialog[open]")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(rows.nth(2)).to_have_class(re.compile(r"\bdone\b"))
    assert rows.nth(2).locator(".status").inner_text() == "已排除"

    for _ in range(3):
        page.keyboard.press("k")
    assert "current" in (rows.nth(0).get_attribute("class") or "")
    page.keyboard.press("Enter")  # open the first listing
    page.wait_for_url(f"**/listings/{ids[0]}")
    assert page.locator("h1.listing-title mark.hit").first.inner_text() == "包授权"
    expect(page.locator("#screenshot")).to_be_visible()
    assert _eventually(
        lambda: page.locator("#screenshot").evaluate("el => el.complete && el.naturalWidth > 0")
    )
    assert page.locator(".ver.ok").first.inner_text() == "校验通过"
    assert "承诺授权结果" in page.locator("ul.reasons").inner_text()

    page.keyboard.press("e")  # escalate, then the next listing in the queue opens
    page.wait_for_url(f"**/listings/{ids[3]}")

    page.goto(live + "/audit?action=review.")
    text = page.locator("table.audit-table").inner_text()
    assert "review.confirm" in text and "review.dismiss" in text and "review.escalate" in text
    assert "zhang" in text


def test_hostile_markup_shows_as_text_and_runs_nothing(
    live: str, browser_page: Any, seed, supervisor_account: str
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    lid = seed.listing(XSS_TITLE, XSS_TEXT, hits=[("guarantee", "包授权")], when=datetime.now(UTC))
    _login(page, live, supervisor_account)

    assert "<script>" in page.locator("#queue-table td.title a").first.inner_text()
    page.goto(f"{live}/listings/{lid}")
    title = page.locator("h1.listing-title").inner_text()
    assert '<script>window.__pwned="script"</script>' in title and "onerror=" in title
    body = page.locator("#page-text").inner_text()
    assert "javascript:" in body and "<svg onload=" in body
    assert (
        page.locator(
            "#page-text a, #page-text svg, h1.listing-title img, h1.listing-title script"
        ).count()
        == 0
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned === undefined")
    assert dialogs == []

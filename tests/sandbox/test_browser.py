"""The marketplace's JavaScript really renders item details in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import SandboxServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from lantian.config import load_settings

    chromium = load_settings().chromium_path
    if not chromium or not Path(chromium).exists():
        pytest.skip("no Chromium found (settings.chromium_path); browser tests need one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_item_details_render_in_both_js_modes_and_vanish_when_removed(
    page: Any, sandbox: SandboxServer
) -> None:
    truth = sandbox.truth()
    for mode in ("inline", "fetch"):
        item = next(
            t
            for t in truth
            if t.get("js_mode") == mode
            and t["fault"] is None
            and t["reachable"]
            and t["encoding"] == "gbk"
        )
        page.goto(item["url"])
        page.wait_for_selector("#item-root[data-rendered]", timeout=10_000)
        fields = item["fields"]
        assert page.inner_text(".price-value") == fields["price"]
        assert page.inner_text(".sales-value") == str(fields["sales"])
        assert page.inner_text("a.shop-name") == fields["shop"]
        assert page.inner_text(".item-seller .seller-name") == fields["seller"]
        assert page.inner_text(".region-value") == fields["region"]
        assert page.inner_text("h1.item-title") == fields["title"]
    sandbox.take_down(item["url"])  # the last one, a "fetch" item: its API now answers 404
    try:
        page.goto(item["url"])
        page.wait_for_selector(".item-removed", timeout=10_000)
        assert "该商品已下架" in page.inner_text("body")
    finally:
        sandbox.restore(item["url"])

"""The crawl's own browser: the captures' launch policy and egress guard (issue 17).

A page the crawl renders runs the site's JavaScript.  Here it tries ``fetch``, a
WebSocket, an EventSource and an iframe to another loopback port (a private
address the crawl was not allowed); that port must receive no connection at all.
A control crawl that allows the address shows the same page really connects.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from crawler.settings import crawl_settings
from lantian.config import default_chromium
from spiders.profile import load_profile
from tests.commands import json_summary, run_command
from tests.loopsite import serve_page

if TYPE_CHECKING:
    from tests.conftest import ConnectionCounter

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("browser_probe_crawl.py")


def _page(target: str) -> bytes:
    """Tries once the page has loaded, so navigation never waits on what the target does."""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>探针</title></head>
<body><p>渲染页面</p><script>
const target = "{target}";
const body = document.body;
body.dataset.attempts = "0";
const tried = () => {{ body.dataset.attempts = String(Number(body.dataset.attempts) + 1); }};
window.addEventListener("load", () => {{
  const frame = document.createElement("iframe");
  frame.src = "http://" + target + "/frame";
  document.body.appendChild(frame);
  try {{
    const ws = new WebSocket("ws://" + target + "/socket");
    ws.onopen = () => {{ body.dataset.ws = "open"; }};
    ws.onerror = () => {{ body.dataset.ws = "error"; }};
    tried();
  }} catch (e) {{ body.dataset.ws = "threw"; }}
  try {{ new EventSource("http://" + target + "/events"); tried(); }} catch (e) {{}}
  fetch("http://" + target + "/api", {{mode: "no-cors"}})
    .then(() => {{ body.dataset.fetch = "ok"; }}, () => {{ body.dataset.fetch = "failed"; }});
  tried();
  setTimeout(() => {{ body.dataset.done = "1"; }}, 1500);
}});
</script></body></html>""".encode()


def hostile_site(target: str) -> contextlib.AbstractContextManager[int]:
    return serve_page(_page(target))


def _probe(url: str, allow_private: bool, origins: list[str]) -> tuple[dict[str, Any], str]:
    proc = run_command(
        [
            sys.executable,
            str(PROBE),
            url,
            "true" if allow_private else "false",
            json.dumps(origins),
        ],
        cwd=ROOT,
        timeout=120,
    )
    return json_summary(proc), proc.stderr


def test_browser_profiles_get_the_captures_launch_policy_and_the_egress_guard() -> None:
    profile = load_profile(ROOT / "spiders" / "profiles" / "taobaobei.yaml")
    assert profile.uses_browser
    for allow in (False, True):
        s = crawl_settings(profile, database_url=None, allow_private=allow, chromium_path="/x")
        handlers = s.getdict("DOWNLOAD_HANDLERS")
        assert (
            handlers["http"]
            == handlers["https"]
            == "crawler.guarded_browser.GuardedPlaywrightHandler"
        )
        assert "--no-sandbox" not in s.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["args"]
        assert s.getdict("LANTIAN_BROWSER_EGRESS")["allow_private_networks"] is allow


@pytest.mark.browser
@pytest.mark.slow
def test_a_rendered_page_cannot_reach_a_private_address(
    connection_counter: ConnectionCounter,
) -> None:
    if default_chromium() is None:
        pytest.skip("no system Chromium on PATH")
    target = f"127.0.0.1:{connection_counter.port}"
    with hostile_site(target) as port:
        origin = f"127.0.0.1:{port}"
        url = f"http://{origin}/item/1"
        found, log = _probe(url, allow_private=False, origins=[origin])
        time.sleep(0.5)  # anything still in flight would have connected by now
        assert found.get("attempts") == "3", log[-3000:]  # the page ran and tried
        assert found["websocket"] == "error" and found["fetch"] == "failed", found
        assert connection_counter.accepted == 0
        assert found["egress_refused"] >= 3, found  # iframe, WebSocket, EventSource, fetch
        assert f"egress refused {target}" in log
        assert "--no-sandbox" not in found["launch_args"]
        assert found["sandboxed"] in (0, 1)  # decided by the probe, reported in the stats

        # control: the same crawl allowed private networks does reach the port
        control, log = _probe(url, allow_private=True, origins=[])
        assert control.get("attempts") == "3", log[-3000:]
        deadline = time.monotonic() + 5
        while connection_counter.accepted == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert connection_counter.accepted >= 1
        assert f"egress refused {target}" not in log

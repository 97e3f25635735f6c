"""POST a JSON payload to a webhook the operator configured (alerts, re-check news).

The address goes through the same guard as evidence captures: no private or
loopback address unless the operator allows private networks.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_ATTEMPTS = 3


class WebhookError(Exception):
    """A webhook refused, failed, or its address is not allowed."""


def _refusal(url: str, allow_private: bool) -> str | None:
    from evidence.netguard import AddressGuard

    return asyncio.run(AddressGuard(allow_private).refusal(url))


def post_webhook(url: str, payload: dict[str, Any], *, allow_private: bool) -> None:
    """POST ``payload`` as JSON; retried on connection errors and 5xx, never redirected."""
    refusal = _refusal(url, allow_private)
    if refusal:
        raise WebhookError(f"webhook {url} refused: {refusal}")
    last = ""
    for attempt in range(WEBHOOK_ATTEMPTS):
        if attempt:
            time.sleep(0.5 * 2**attempt)
        try:
            response = httpx.post(
                url, json=payload, timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
            continue
        if response.status_code < 300:
            return
        last = f"HTTP {response.status_code}"
        if response.status_code < 500:
            break
    raise WebhookError(f"webhook {url}: {last}")

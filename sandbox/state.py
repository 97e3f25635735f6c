"""What changes while the sandbox runs: taken-down pages and per-URL request counts.

Shared by the three platform apps of one server and by the Python API, which
may call in from another thread, hence the lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from urllib.parse import urlsplit

from sandbox.model import FORUM, MARKET, SEARCH, Item, Page, World


class UnknownListingError(LookupError):
    """A take-down or restore named a URL or id the sandbox does not serve."""


class SandboxState:
    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.Lock()
        self._removed: set[str] = set()
        self._hits: Counter[str] = Counter()
        self.by_id: dict[str, Page] = {p.id: p for p in world.pages()}
        #: platform -> path (with query for aliases) -> page
        self.routes: dict[str, dict[str, Page]] = {SEARCH: {}, MARKET: {}, FORUM: {}}
        for page in world.pages():
            self.routes[page.platform][page.path] = page
            for alias in page.redirect_from:
                self.routes[page.platform][alias] = page

    # --- take-down state ---
    def is_removed(self, page: Page) -> bool:
        with self._lock:
            if page.id in self._removed:
                return True
            return (
                isinstance(page, Item) and page.shop is not None and page.shop.id in self._removed
            )

    def removed_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._removed)

    def take_down(self, page: Page) -> None:
        with self._lock:
            self._removed.add(page.id)

    def restore(self, page: Page) -> None:
        with self._lock:
            self._removed.discard(page.id)

    def reset(self) -> None:
        with self._lock:
            self._removed.clear()
            self._hits.clear()

    def hit(self, key: str) -> int:
        """Count a request to ``key``; returns the count including this one."""
        with self._lock:
            self._hits[key] += 1
            return self._hits[key]

    # --- lookup ---
    def resolve(self, ref: str, platform: str | None = None) -> Page:
        """A page from its id (``m0001``), path or URL (any host; aliases resolve too)."""
        ref = ref.strip()
        if ref in self.by_id:
            return self.by_id[ref]
        parts = urlsplit(ref)
        path = parts.path or "/"
        key = f"{path}?{parts.query}" if parts.query else path
        platforms = [platform] if platform else [SEARCH, MARKET, FORUM]
        for key_try in (key, path):
            for plat in platforms:
                page = self.routes[plat].get(key_try)
                if page is not None:
                    return page
        raise UnknownListingError(f"no sandbox page at {ref!r}")

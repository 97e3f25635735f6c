"""Figures about a world (``lantian sandbox stats``): what there is to find and where."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.model import CATEGORIES, PLATFORM_KEYS, World


def world_stats(world: World) -> dict[str, Any]:
    """Counts per platform and in total; ``listings`` are reachable non-shop pages."""
    platforms: dict[str, dict[str, int]] = {}
    total: Counter[str] = Counter()
    categories: Counter[str] = Counter({c: 0 for c in CATEGORIES})
    for key in PLATFORM_KEYS:
        pages = world.by_platform(key)
        listings = [p for p in pages if p.reachable and p.kind != "shop"]
        row = {
            "pages": len(pages),
            "listings": len(listings),
            "irregular": sum(p.irregular for p in listings),
            "negative": sum(not p.irregular for p in listings),
            "robots_disallowed": sum(p.robots_disallowed for p in pages),
            "not_utf8": sum(p.encoding != "utf-8" for p in pages),
            "faults": sum(p.fault is not None for p in pages),
        }
        platforms[key] = row
        total.update(row)
        for page in listings:
            categories.update(page.categories)
    return {
        "seed": world.seed,
        "platforms": platforms,
        "total": dict(total),
        "categories": dict(categories),
    }

"""The web API and the reviewers' UI (FastAPI), built by ``create_app(settings)``.

Public surface: ``create_app`` (loaded on first use) and ``api.bench`` (the API benchmark the
shell runs).  Routes, pages, schemas and dependencies are internal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__public_modules__ = ("bench",)

if TYPE_CHECKING:
    from api.app import create_app

_LAZY = {
    "create_app": "api.app",
}


def __getattr__(name: str) -> Any:
    """The app loads FastAPI and every route; nothing loads before it is used."""
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attr or name)
    raise AttributeError(f"module 'api' has no attribute {name!r}")


__all__ = [
    "create_app",
]

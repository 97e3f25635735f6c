"""Takedown notices (filled in by the takedown issue).

Use ``api.deps.require_role(Role.supervisor)`` for approval so reviewers cannot approve.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/takedowns", tags=["takedowns"])

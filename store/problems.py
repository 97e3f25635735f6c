"""Run problems (profile drift, blocked crawls): recorded by the crawl, shown and alerted."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import RunProblem

KINDS = ("broken", "blocked")


def record_problem(
    session: Session,
    *,
    run_id: int | None,
    platform: str,
    page_type: str,
    kind: str,
    message: str,
    url: str,
    count: int,
    sample_path: str | None,
) -> RunProblem:
    """One row per (run, platform, page type, kind); a later report raises its count."""
    if kind not in KINDS:
        raise ValueError(f"problem kind {kind!r}: expected one of {', '.join(KINDS)}")
    existing = session.scalar(
        select(RunProblem).where(
            RunProblem.run_id.is_(None) if run_id is None else RunProblem.run_id == run_id,
            RunProblem.platform == platform,
            RunProblem.page_type == page_type,
            RunProblem.kind == kind,
        )
    )
    if existing is not None:
        existing.count = max(existing.count, count)
        return existing
    problem = RunProblem(
        run_id=run_id,
        platform=platform,
        page_type=page_type,
        kind=kind,
        message=message[:4000],
        url=url[:2000],
        count=count,
        sample_path=sample_path,
    )
    session.add(problem)
    session.flush()
    return problem


def problems_for_run(session: Session, run_id: int) -> list[RunProblem]:
    return list(
        session.scalars(
            select(RunProblem).where(RunProblem.run_id == run_id).order_by(RunProblem.id)
        )
    )


def latest_by_platform(session: Session, run_ids: list[int]) -> dict[str, list[RunProblem]]:
    """The problems of the given runs per platform, newest first (the campaign page)."""
    if not run_ids:
        return {}
    rows = session.scalars(
        select(RunProblem)
        .where(RunProblem.run_id.in_(run_ids))
        .order_by(RunProblem.platform, RunProblem.id.desc())
    )
    out: dict[str, list[RunProblem]] = {}
    for row in rows:
        out.setdefault(row.platform, []).append(row)
    return out


def count_for_run(session: Session, run_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(RunProblem).where(RunProblem.run_id == run_id)
        )
        or 0
    )

"""The soak's watch: memory of the API, the scheduler and the crawls, and the two SIGKILLs.

Used by ``scripts/soak.py`` (which puts the repository on ``sys.path``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from campaigns import list_runs
from store import RunStatus


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def slope_kb_per_min(points: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of (seconds, KiB) samples, in KiB per minute."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_kb = sum(kb for _, kb in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (kb - mean_kb) for t, kb in points)
    return round(cov / var * 60, 1)


def memory_figures(
    samples: list[tuple[float, int]], seconds: float, flat_mb: float
) -> dict[str, Any]:
    """First/last/max and slope of one process life's warm samples; flat or not."""
    if not samples:
        return {"samples": 0}
    kbs = [kb for _, kb in samples]
    slope = slope_kb_per_min(samples)
    growth = None if slope is None else round(slope * seconds / 60 / 1024, 1)
    late = samples[len(samples) // 2 :]  # past warm-up steps (imports, caches filling)
    return {
        "samples": len(samples),
        "slope_second_half_kb_per_min": slope_kb_per_min(late),
        "first_mb": round(kbs[0] / 1024, 1),
        "last_mb": round(kbs[-1] / 1024, 1),
        "max_mb": round(max(kbs) / 1024, 1),
        "slope_kb_per_min": slope,
        "growth_over_run_mb": growth,
        "flat": growth is None or growth < flat_mb,
    }


class Watch:
    """Every 2 s: sample memory; at 30 % of the time SIGKILL the running crawl, at 50 % the API."""

    def __init__(
        self,
        args: argparse.Namespace,
        settings: Any,
        campaign_id: int,
        data: Path,
        figures: dict[str, Any],
    ) -> None:
        self.args, self.settings, self.campaign_id = args, settings, campaign_id
        self.frontier = data / "jobs" / f"campaign-{campaign_id}"
        self.figures = figures
        self.memory: list[dict[str, Any]] = []
        self.api_lives: list[list[tuple[float, int]]] = [[]]
        self.api_born = 0.0
        self.sched_life: list[tuple[float, int]] = []
        self.crawl_peaks: dict[int, int] = {}

    def run(
        self,
        api: subprocess.Popen[bytes],
        scheduler: subprocess.Popen[bytes],
        restart_api: Callable[[], subprocess.Popen[bytes]],
    ) -> subprocess.Popen[bytes]:
        """Watch until ``--seconds`` have passed; the API process alive at the end."""
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < self.args.seconds:
            self.sample(elapsed, api, scheduler)
            if "crawl_killed" not in self.figures and elapsed >= 0.3 * self.args.seconds:
                self.kill_crawl(elapsed)
            if "api_killed" not in self.figures and elapsed >= 0.5 * self.args.seconds:
                os.killpg(api.pid, signal.SIGKILL)
                api.wait(30)
                down = time.monotonic()
                api = restart_api()
                self.api_born = time.monotonic() - started
                self.api_lives.append([])
                self.figures["api_killed"] = {
                    "at_s": round(elapsed),
                    "down_s": round(time.monotonic() - down, 1),
                }
            time.sleep(2)
        return api

    def sample(
        self, elapsed: float, api: subprocess.Popen[bytes], scheduler: subprocess.Popen[bytes]
    ) -> None:
        sample = {
            "t": round(elapsed),
            "api_kb": rss_kb(api.pid),
            "scheduler_kb": rss_kb(scheduler.pid),
        }
        self.memory.append(sample)
        if sample["api_kb"] and elapsed - self.api_born >= self.args.warm_s:
            self.api_lives[-1].append((elapsed, sample["api_kb"]))
        if sample["scheduler_kb"] and elapsed >= self.args.warm_s:
            self.sched_life.append((elapsed, sample["scheduler_kb"]))
        for run in list_runs(self.settings, self.campaign_id, limit=5):
            if run.status is RunStatus.running and run.pid:
                kb = rss_kb(run.pid) or 0
                self.crawl_peaks[run.id] = max(self.crawl_peaks.get(run.id, 0), kb)

    def kill_crawl(self, elapsed: float) -> None:
        """SIGKILL the running crawl once its durable frontier exists (so it can resume)."""
        running = [
            (r, r.pid)
            for r in list_runs(self.settings, self.campaign_id, limit=20)
            if r.status is RunStatus.running and r.pid
        ]
        if running and running[0][1] and any(self.frontier.glob("*/frontier.sqlite")):
            os.killpg(running[0][1], signal.SIGKILL)
            self.figures["crawl_killed"] = {"run": running[0][0].id, "at_s": round(elapsed)}

    def memory_figures(self) -> dict[str, Any]:
        args = self.args
        verdicts = {
            "api_before_kill": memory_figures(self.api_lives[0], args.seconds, args.flat_mb),
            "api_after_restart": memory_figures(
                self.api_lives[-1] if len(self.api_lives) > 1 else [], args.seconds, args.flat_mb
            ),
            "scheduler": memory_figures(self.sched_life, args.seconds, args.flat_mb),
        }
        peaks = [kb for _, kb in sorted(self.crawl_peaks.items())]
        return {
            "note": f"VmRSS every 2 s, the first {args.warm_s:g} s of each process life left "
            "out; slope by least squares; flat: its trend adds < "
            f"{args.flat_mb:g} MiB over the run",
            **verdicts,
            "crawl_runs_peak_mb": [round(kb / 1024, 1) for kb in peaks],
            "crawl_peak_slope_kb_per_run": (
                None
                if len(peaks) < 3
                else round((slope_kb_per_min([(i, kb) for i, kb in enumerate(peaks)]) or 0) / 60, 1)
            ),
            "series_every_20_s": {
                "api_mb": [round((m["api_kb"] or 0) / 1024) for m in self.memory[::10]],
                "scheduler_mb": [round((m["scheduler_kb"] or 0) / 1024) for m in self.memory[::10]],
            },
        }

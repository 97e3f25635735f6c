"""Peak memory of this process, for the crawl's summary and its benches (no Scrapy import, so
the classify worker can report its own)."""

from __future__ import annotations

from pathlib import Path


def peak_rss_kb() -> int:
    """This process's peak resident memory (VmHWM) in KiB; the browser and the
    classification worker are separate processes, not counted here."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

"""Peak memory of this process, for the crawl's summary and its benches (no Scrapy import, so
the classify worker can report its own)."""

from __future__ import annotations

import gc
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


#: the youngest generation's threshold during a crawl (Python's default is 700).  A page makes
#: thousands of short-lived containers (requests, meta, items, parsel and lxml wrappers,
#: Playwright's protocol messages), so at 700 the collector ran about 260 times in a bench
#: crawl, and each young collection promotes a page's live objects for an older one to walk
#: again: about 180 ms of GC in a 7 s crawl, against about 80 ms at this threshold.
CRAWL_GEN0_THRESHOLD = 7000

_thresholds: list[tuple[int, int, int]] = []


def freeze_setup() -> None:
    """Move every object alive now (modules, settings, the crawlers and their components) to
    the garbage collector's permanent generation, and collect the young generation less often.

    They live as long as the process, yet each full collection would walk them again; during a
    crawl that walk competes with the reactor for the one interpreter lock.  Collect first, so
    what is frozen is only what is still reachable.
    """
    gc.collect()
    gc.freeze()
    current = gc.get_threshold()
    _thresholds.append(current)
    gc.set_threshold(max(current[0], CRAWL_GEN0_THRESHOLD), current[1], current[2])


def thaw_setup() -> None:
    """Undo :func:`freeze_setup` once the crawl is over, so that what the crawl held (and a
    process that goes on after it, such as a test session, drops) can be collected again."""
    gc.unfreeze()
    if _thresholds:
        gc.set_threshold(*_thresholds.pop())

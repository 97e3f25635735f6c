"""``python -m crawler.bare URL_LOG [CHROMIUM]``: the baseline arm of ``lantian bench crawl``."""

from __future__ import annotations

import sys

from crawler.bench import main_bare

if __name__ == "__main__":
    main_bare(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")

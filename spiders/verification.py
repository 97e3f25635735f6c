"""A profile's ``verified`` status is data: the recorded check against real pages.

``lantian profiles verify KEY DIR --record`` applies the profile to every
archived page in DIR (``<name>.warc.gz`` with its annotations
``<name>.expected.json``) on the profile's domains and writes
``spiders/profiles/checks/<key>.json``: which pages, when, the coverage on
each, and the SHA-256 of the profile file it checked.  A profile is verified
only while such a record exists, every page in it reached ``MIN_COVERAGE``,
and the profile file is unchanged since (editing a selector asks for a new
check).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from spiders.archive import read_warc
from spiders.check import MIN_COVERAGE, check_page, coverage, expected_urls
from spiders.profile import Profile

CHECKS_DIR = "checks"


@dataclass(frozen=True)
class PageCheck:
    name: str
    url: str
    warc_sha256: str
    expected: int
    found: int
    coverage: float
    missing: list[str] = field(default_factory=list)


@dataclass
class CheckRecord:
    profile: str
    profile_sha256: str
    checked_at: str
    source: str
    min_coverage: float
    pages: list[PageCheck]

    @property
    def passed(self) -> bool:
        return bool(self.pages) and all(p.coverage >= self.min_coverage for p in self.pages)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _on(url: str, domains: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def check_archive(profile: Profile, profile_path: Path, folder: Path) -> CheckRecord:
    """Apply the profile's entry page type to every annotated archived page on its domains."""
    pages: list[PageCheck] = []
    for warc in sorted(folder.glob("*.warc.gz")):
        name = warc.name.removesuffix(".warc.gz")
        annotations = folder / f"{name}.expected.json"
        if not annotations.exists():
            continue
        for response in read_warc(warc):
            if not _on(response.url, profile.allowed_domains):
                continue
            report = check_page(profile, profile.start.entry, response)
            got = coverage(name, report, expected_urls(annotations))
            pages.append(
                PageCheck(
                    name=name,
                    url=response.url,
                    warc_sha256=sha256_file(warc),
                    expected=got.expected,
                    found=got.found,
                    coverage=round(got.ratio, 4),
                    missing=got.missing,
                )
            )
            break
    return CheckRecord(
        profile=profile.key,
        profile_sha256=sha256_file(profile_path),
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=str(folder),
        min_coverage=MIN_COVERAGE,
        pages=pages,
    )


def record_path(profiles_dir: Path, key: str) -> Path:
    return profiles_dir / CHECKS_DIR / f"{key}.json"


def save_record(profiles_dir: Path, record: CheckRecord) -> Path:
    path = record_path(profiles_dir, record.profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(record.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path


def load_record(profiles_dir: Path, key: str) -> CheckRecord | None:
    path = record_path(profiles_dir, key)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    pages = [PageCheck(**p) for p in data.pop("pages")]
    return CheckRecord(pages=pages, **data)


@dataclass(frozen=True)
class Status:
    verified: bool
    why: str
    record: CheckRecord | None


def status(profiles_dir: Path, key: str) -> Status:
    """Whether ``key`` is verified now, and why (or why not)."""
    record = load_record(profiles_dir, key)
    if record is None:
        return Status(False, "no recorded check against real pages", None)
    if not record.passed:
        low = min(record.pages, key=lambda p: p.coverage) if record.pages else None
        detail = f"{low.name}: {low.coverage:.0%}" if low else "no pages"
        return Status(False, f"check failed ({detail})", record)
    current = sha256_file(profiles_dir / f"{key}.yaml")
    if current != record.profile_sha256:
        return Status(False, "profile changed since its check", record)
    return Status(True, f"{len(record.pages)} real pages, {record.checked_at[:10]}", record)

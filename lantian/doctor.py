"""``lantian doctor``'s checks: is this machine ready to crawl, capture, store and search?

Each check returns a :class:`Check` saying what it found and, when something
is wrong, how to fix it.  A failed *required* check makes doctor exit 1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from lantian.config import CHROMIUM_CANDIDATES, Settings, mask_url_password

BROWSER_TIMEOUT_S = 45.0
DISK_FAIL_BYTES = 1 << 30
DISK_WARN_BYTES = 5 << 30
INSTALL_BROWSER = (
    "install it: `sudo apt-get install chromium chromium-headless-shell fonts-noto-cjk` "
    "(Debian; where apt has no headless shell, chromium alone serves) and set "
    "LANTIAN_CHROMIUM_PATH=/usr/bin/chromium-headless-shell; elsewhere `.venv/bin/playwright install chromium` "
    "(or `make install`, which runs scripts/install-browser.sh)"
)


class Status(StrEnum):
    ok = "ok"
    warn = "warn"
    fail = "fail"
    skip = "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def blocking(self) -> bool:
        return self.required and self.status is Status.fail

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


def check_browser(settings: Settings) -> Check:
    """The Chromium that captures evidence exists and starts headless."""
    path = settings.chromium_path
    if not path:
        return Check(
            "browser",
            Status.fail,
            "no Chromium found on PATH (" + ", ".join(CHROMIUM_CANDIDATES) + ")",
            INSTALL_BROWSER,
        )
    resolved = shutil.which(path) or (path if Path(path).is_file() else None)
    if resolved is None:
        return Check("browser", Status.fail, f"Chromium not found at {path}", INSTALL_BROWSER)
    if not os.access(resolved, os.X_OK):
        return Check(
            "browser",
            Status.fail,
            f"{resolved} is not executable",
            f"chmod +x {resolved}, or " + INSTALL_BROWSER,
        )
    command = [
        resolved,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--dump-dom",
        "about:blank",
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, timeout=BROWSER_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return Check(
            "browser",
            Status.fail,
            f"{resolved} did not answer within {BROWSER_TIMEOUT_S:.0f}s",
            "check that the machine has the libraries Chromium needs: " + INSTALL_BROWSER,
        )
    except OSError as exc:
        return Check("browser", Status.fail, f"{resolved} cannot start: {exc}", INSTALL_BROWSER)
    if done.returncode != 0 or b"<html" not in done.stdout:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        return Check(
            "browser",
            Status.fail,
            f"{resolved} exited {done.returncode}: {last[0][:200]}",
            "run it by hand with --headless=new --dump-dom about:blank to see why; "
            + INSTALL_BROWSER,
        )
    version = subprocess.run([resolved, "--version"], capture_output=True, timeout=30, check=False)
    label = version.stdout.decode("utf-8", "replace").strip() or resolved
    return Check(
        "browser", Status.ok, f"{label} starts headless ({time.monotonic() - started:.1f}s)"
    )


SANDBOX_FIX = (
    "run Lantian as an ordinary user (not root) on a kernel that allows unprivileged user "
    "namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also "
    "kernel.apparmor_restrict_unprivileged_userns=0), or install Chromium's setuid sandbox helper"
)


def check_browser_sandbox(settings: Settings) -> Check:
    """Whether captures and the crawl's browser run Chromium with its sandbox (one probe, one
    policy: ``evidence.browser.sandbox_refusal``); a page is hostile, the sandbox contains it."""
    from evidence import sandbox_refusal

    if not settings.chromium_path:
        return Check("browser sandbox", Status.skip, "no Chromium to check", required=False)
    problem = sandbox_refusal(settings.chromium_path)
    if problem is None:
        return Check(
            "browser sandbox",
            Status.ok,
            "captures and crawls run Chromium with its sandbox",
            required=False,
        )
    return Check(
        "browser sandbox",
        Status.warn,
        f"captures and crawls run Chromium WITHOUT its sandbox: {problem}",
        SANDBOX_FIX,
        required=False,
    )


def check_fonts(settings: Settings) -> Check:
    """CJK fonts, or Chinese renders as boxes in evidence screenshots."""
    fix = "sudo apt-get install fonts-noto-cjk (screenshots of Chinese pages show boxes without it)"
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return Check(
            "CJK fonts",
            Status.fail,
            "fc-list (fontconfig) not found",
            "sudo apt-get install fontconfig fonts-noto-cjk",
        )
    done = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, timeout=30, check=False
    )
    families = sorted(
        {
            line.split(",")[0].strip()
            for line in done.stdout.decode("utf-8", "replace").splitlines()
            if line.strip()
        }
    )
    if not families:
        return Check(
            "CJK fonts", Status.fail, "no font covers Chinese (fc-list :lang=zh is empty)", fix
        )
    shown = ", ".join(families[:3]) + (
        f" and {len(families) - 3} more" if len(families) > 3 else ""
    )
    return Check("CJK fonts", Status.ok, shown)


def check_database(settings: Settings) -> Check:
    """The database answers and its schema is at the newest migration."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from store import alembic_config, current_revision, make_engine

    url = settings.resolved_database_url
    shown = mask_url_password(url)
    try:
        engine = make_engine(url)
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return Check("database", Status.fail, f"{shown}: {exc}", "check LANTIAN_DATABASE_URL")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        current = current_revision(engine)
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0][:200]
        return Check(
            "database",
            Status.fail,
            f"{shown}: cannot connect: {first}",
            "start the database server or fix LANTIAN_DATABASE_URL",
        )
    finally:
        engine.dispose()
    if current != head:
        return Check(
            "database",
            Status.fail,
            f"{shown}: schema at {current or 'nothing'}, newest is {head}",
            "run `lantian db upgrade`",
        )
    return Check("database", Status.ok, f"{shown} (schema {head})")


def check_search(settings: Settings) -> Check:
    """Elasticsearch when configured, else SQLite's FTS5."""
    if settings.elasticsearch_url:
        import httpx

        url = settings.elasticsearch_url.rstrip("/")
        shown = mask_url_password(url)
        try:
            response = httpx.get(f"{url}/_cluster/health", timeout=10)
        except httpx.HTTPError as exc:
            return Check(
                "search",
                Status.fail,
                f"Elasticsearch at {shown}: {type(exc).__name__}: {exc}",
                "start Elasticsearch or unset LANTIAN_ELASTICSEARCH_URL to use the embedded FTS5 index",
            )
        if response.status_code != 200:
            return Check(
                "search",
                Status.fail,
                f"Elasticsearch at {shown}: HTTP {response.status_code}",
                "check the URL and credentials in LANTIAN_ELASTICSEARCH_URL",
            )
        health = response.json().get("status", "?")
        status = Status.ok if health in {"green", "yellow"} else Status.fail
        return Check(
            "search",
            status,
            f"Elasticsearch at {shown}, cluster {health}",
            "" if status is Status.ok else "the cluster is red: check its nodes",
        )
    try:
        conn = sqlite3.connect(":memory:")
        conn.execute("create virtual table t using fts5(body)")
        conn.close()
    except sqlite3.Error as exc:
        return Check(
            "search",
            Status.fail,
            f"SQLite {sqlite3.sqlite_version} lacks FTS5: {exc}",
            "use a Python built with FTS5 (python.org and Debian builds have it) or set "
            "LANTIAN_ELASTICSEARCH_URL",
        )
    return Check("search", Status.ok, f"embedded SQLite FTS5 (SQLite {sqlite3.sqlite_version})")


def check_redis(settings: Settings) -> Check:
    """Redis, when crawler workers share the frontier through it."""
    if not settings.redis_url:
        return Check(
            "Redis",
            Status.skip,
            "not configured: each crawl keeps its own frontier",
            "set LANTIAN_REDIS_URL to let several crawler workers split a campaign",
            required=False,
        )
    import redis

    shown = mask_url_password(settings.redis_url)
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
        version = client.info("server").get("redis_version", "?")
    except redis.RedisError as exc:
        return Check(
            "Redis", Status.fail, f"{shown}: {exc}", "start Redis or fix LANTIAN_REDIS_URL"
        )
    finally:
        client.close()
    return Check("Redis", Status.ok, f"{shown} (Redis {version})")


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(settings: Settings) -> Check:
    """Free space where the database and evidence grow."""
    where = _existing_parent(settings.resolved_evidence_dir)
    free = shutil.disk_usage(where).free
    detail = f"{free / (1 << 30):.1f} GiB free at {where}"
    if free < DISK_FAIL_BYTES:
        return Check(
            "disk",
            Status.fail,
            detail,
            "free space or point LANTIAN_DATA_DIR / LANTIAN_EVIDENCE_DIR at a larger volume",
        )
    if free < DISK_WARN_BYTES:
        return Check("disk", Status.warn, detail, "captures take about 1 MB each; plan more space")
    return Check("disk", Status.ok, detail)


def check_alerts(settings: Settings) -> Check:
    """Where alert digests go (optional)."""
    channels = []
    if settings.alert_webhook_urls:
        channels.append(f"{len(settings.alert_webhook_urls)} webhook(s)")
    if settings.smtp_url is not None and settings.alert_email_to:
        channels.append(f"e-mail to {len(settings.alert_email_to)} address(es)")
    if not channels:
        return Check(
            "alerts",
            Status.warn,
            "no channel: new high-severity findings only show in the UI",
            "set LANTIAN_ALERT_WEBHOOK_URLS or LANTIAN_SMTP_URL and LANTIAN_ALERT_EMAIL_TO",
            required=False,
        )
    return Check("alerts", Status.ok, ", ".join(channels), required=False)


def check_classifier(settings: Settings) -> Check:
    """Whether the classifier runs compiled (``make install`` builds it) or interpreted (optional)."""
    from classifiers.native import compiled_modules, engine

    if engine() == "compiled":
        return Check("classifier", Status.ok, f"compiled ({len(compiled_modules())} modules)")
    return Check(
        "classifier",
        Status.warn,
        "interpreted: the same verdicts, about a third slower",
        "`make install` compiles its hot modules (needs a C compiler and Python headers)",
        required=False,
    )


CHECKS: tuple[Callable[[Settings], Check], ...] = (
    check_browser,
    check_browser_sandbox,
    check_fonts,
    check_database,
    check_search,
    check_redis,
    check_disk,
    check_alerts,
    check_classifier,
)


def run_checks(settings: Settings) -> list[Check]:
    results = []
    for check in CHECKS:
        try:
            results.append(check(settings))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            name = check.__name__.removeprefix("check_")
            results.append(
                Check(name, Status.fail, f"the check itself failed: {type(exc).__name__}: {exc}")
            )
    return results

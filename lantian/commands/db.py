"""``lantian db ...``"""

from __future__ import annotations

import typer

from lantian.config import ConfigError, load_settings
from lantian.console import err, fail
from store.db import current_revision, make_engine, upgrade

app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        fail(str(exc))
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, revision)
    err.print(f"schema at {current_revision(engine)}")

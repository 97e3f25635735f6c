"""``lantian db ...``"""

from __future__ import annotations

import typer

from lantian.commands.common import settings_or_exit
from lantian.console import err
from store import current_revision, engine_scope, upgrade

app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = settings_or_exit()
    with engine_scope(settings.resolved_database_url) as engine:
        upgrade(engine, revision)
        err.print(f"schema at {current_revision(engine)}")

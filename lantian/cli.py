"""The ``lantian`` command: every command group is registered here."""

from __future__ import annotations

import typer

from lantian import __version__
from lantian.commands import agencies as agencies_cmd
from lantian.commands import bench as bench_cmd
from lantian.commands import campaign_admin as campaign_admin_cmd
from lantian.commands import classify as classify_cmd
from lantian.commands import config as config_cmd
from lantian.commands import crawl as crawl_cmd
from lantian.commands import db as db_cmd
from lantian.commands import demo as demo_cmd
from lantian.commands import doctor as doctor_cmd
from lantian.commands import evidence as evidence_cmd
from lantian.commands import index as index_cmd
from lantian.commands import rules as rules_cmd
from lantian.commands import sandbox as sandbox_cmd
from lantian.commands import scheduler as scheduler_cmd
from lantian.commands import serve as serve_cmd
from lantian.commands import takedown as takedown_cmd
from lantian.commands import users as users_cmd

app = typer.Typer(
    name="lantian",
    help="Lantian (蓝天): find irregular IP-agency solicitation online, keep evidence, get it taken down.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.command("demo")(demo_cmd.demo)
# Command groups of the other packages register below, one line each.
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(scheduler_cmd.app, name="scheduler")
app.command("doctor")(doctor_cmd.doctor)
app.add_typer(evidence_cmd.app, name="evidence")
app.add_typer(bench_cmd.app, name="bench")
app.command("crawl")(crawl_cmd.crawl)
app.add_typer(crawl_cmd.campaigns_app, name="campaigns")
campaign_admin_cmd.register(crawl_cmd.campaigns_app)
app.add_typer(takedown_cmd.app, name="takedown")
app.command("serve")(serve_cmd.serve)
app.add_typer(users_cmd.app, name="users")
app.add_typer(index_cmd.app, name="index")
app.command("classify")(classify_cmd.classify_cmd)
app.command("eval")(classify_cmd.eval_cmd)
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(agencies_cmd.app, name="agencies")


@app.command("version")
def version() -> None:
    """Print Lantian's version."""
    typer.echo(__version__)


def main() -> None:
    app()

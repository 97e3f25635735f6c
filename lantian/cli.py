"""The ``lantian`` command: every command group is registered here.

Command modules are imported only when their command runs, so that
``lantian sandbox serve`` does not pay for Scrapy, Playwright and jieba.
Each entry names where the command lives; ``lantian --help`` loads them all.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer import _click as click  # Typer vendors click; TyperGroup speaks its types
from typer.core import TyperGroup

from lantian import __version__

# name -> (module, attribute, kind): "group" is a Typer app, "factory" a function returning
# one, "command" a function that is the command itself
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("lantian.commands.demo", "demo", "command"),
    "config": ("lantian.commands.config", "app", "group"),
    "db": ("lantian.commands.db", "app", "group"),
    "sandbox": ("sandbox.cli", "app", "group"),
    "crawl": ("lantian.commands.crawl", "crawl", "command"),
    "campaigns": ("lantian.commands.campaign_admin", "campaigns_group", "factory"),
    "classify": ("lantian.commands.classify", "classify_cmd", "command"),
    "eval": ("lantian.commands.classify", "eval_cmd", "command"),
    "rules": ("lantian.commands.rules", "app", "group"),
    "profiles": ("lantian.commands.profiles", "app", "group"),
    "agencies": ("lantian.commands.agencies", "app", "group"),
    "evidence": ("lantian.commands.evidence", "app", "group"),
    "serve": ("lantian.commands.serve", "serve", "command"),
    "users": ("lantian.commands.users", "app", "group"),
    "index": ("lantian.commands.index", "app", "group"),
    "takedown": ("lantian.commands.takedown", "app", "group"),
    "case": ("lantian.commands.case", "app", "group"),
    "scheduler": ("lantian.commands.scheduler", "app", "group"),
    "doctor": ("lantian.commands.doctor", "doctor", "command"),
    "bench": ("lantian.commands.bench", "app", "group"),
}


def load_command(name: str) -> click.Command:
    """Import the module behind ``name`` and build its click command."""
    module_name, attribute, kind = COMMANDS[name]
    target: Any = getattr(importlib.import_module(module_name), attribute)
    if kind == "factory":
        target, kind = target(), "group"
    command: click.Command
    if kind == "group":
        command = typer.main.get_group(target)
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            return load_command(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="lantian",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root() -> None:
    """Lantian (蓝天): find irregular IP-agency solicitation online, keep evidence, get it taken down."""


@app.command("version")
def version() -> None:
    """Print Lantian's version."""
    typer.echo(__version__)


def main() -> None:
    app()

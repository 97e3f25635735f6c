"""``lantian users ...``: accounts for the review UI and API."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from redis.exceptions import RedisError
from rich.table import Table
from sqlalchemy import select

from lantian.commands.common import migrated_session, settings_or_exit
from lantian.config import session_store
from lantian.console import err, fail, out
from store import Role, User, UserError, audit, create_api_token, create_user, set_password

app = typer.Typer(
    help="Create and manage users (reviewer, supervisor, admin).", no_args_is_help=True
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
        return password
    value: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[
        Role, typer.Option("--role", "-r", help="reviewer, supervisor or admin")
    ] = Role.reviewer,
    display_name: Annotated[str, typer.Option(help="name shown in the UI")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
    token: Annotated[
        bool, typer.Option("--token", help="also issue an API token and print it")
    ] = False,
) -> None:
    """Create a user; the password is prompted for (twice) or read from stdin."""
    password = _read_password(password_stdin)
    try:
        with migrated_session() as session:
            user = create_user(
                session,
                username,
                password,
                role,
                display_name=display_name,
                created_by="system:cli",
            )
            secret = (
                create_api_token(session, user, "cli", by="system:cli").secret if token else None
            )
    except UserError as exc:
        fail(str(exc))
    err.print(f"created {role} {username}")
    if secret:
        out.print(secret, markup=False)


@app.command("password")
def password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Set a user's password (ends their sessions)."""
    new = _read_password(password_stdin)
    settings = settings_or_exit()
    try:
        with migrated_session(settings) as session, session_store(settings) as sessions:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(f"no user {username!r}")
            set_password(session, user, new, by="system:cli", sessions=sessions)
    except UserError as exc:
        fail(str(exc))
    except RedisError as exc:  # nothing was changed: the transaction did not commit
        fail(f"redis_url: the session store did not answer, password unchanged: {exc}")
    err.print(f"password of {username} changed")


@app.command("list")
def list_users() -> None:
    """List users and roles."""
    with migrated_session() as session:
        rows = session.scalars(select(User).order_by(User.username)).all()
        table = Table("username", "role", "active", "created")
        for u in rows:
            table.add_row(
                u.username,
                str(u.role),
                "yes" if u.active else "no",
                u.created_at.isoformat(timespec="seconds"),
            )
    out.print(table)


@app.command("set-office")
def set_office(
    username: Annotated[str, typer.Argument()],
    office: Annotated[str, typer.Argument(help="office code in rules/offices.yaml")],
) -> None:
    """Place a user in an office: the queue and dashboards offer that office's findings first."""
    from classifiers import OfficeError, load_directory

    settings = settings_or_exit()
    try:
        directory = load_directory(settings.rules_dir)
    except OfficeError as exc:
        fail(str(exc))
    if office not in directory.by_code:
        fail(f"{office!r} is not an office code in {settings.rules_dir / 'offices.yaml'}")
    with migrated_session(settings) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            fail(f"no user {username!r}")
        user.office_code = office
        audit.record(session, "system:cli", "user.office", "user", user.id, office=office)
    out.print(f"{username}: {directory.by_code[office].name}", markup=False)

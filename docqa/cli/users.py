"""``docqa users``: who may log in to the app."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from docqa.cli.output import (
    EXIT_OK,
    emit_json,
    err,
    parse_groups,
    run,
)
from retrieval.settings import load_settings
from retrieval.types import EVERYONE

if TYPE_CHECKING:
    from docqa.accounts import Role, User, UserStore

users_app = typer.Typer(help="Who may log in to the app: add, list and remove users.",
                        no_args_is_help=True)


def register(main: typer.Typer) -> None:
    main.add_typer(users_app, name="users")

def _user_store() -> UserStore:
    """The users file, with the app's session store: changing or removing a user ends their
    sessions in the app at once."""
    from docqa.accounts import UserStore
    from docqa.sessions import SessionStore

    settings = load_settings()
    return UserStore(settings.users_path, SessionStore(settings.sessions_path))


def _audit(action: str, user: User | str) -> None:
    """An audit event of a user change by whoever runs the command (never a password)."""
    from docqa.audit import AuditLog

    settings = load_settings()
    audit = AuditLog(settings.audit_path, "cli")
    try:
        if isinstance(user, str):
            audit.record(settings.user, action, user)
        else:
            audit.record(settings.user, action, user.username, role=user.role,
                         groups=list(user.groups))
    finally:
        audit.close()


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, "
                                                 "'.', '_', '-'.")],
    role: Annotated[str, typer.Option(help="admin (manages documents, sees usage) or "
                                           "employee.")] = "employee",
    groups: Annotated[str, typer.Option(help="Comma-separated groups whose documents the user "
                                             "may read, besides 'everyone'.")] = "",
    name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (for scripts).")] = False,
    replace: Annotated[bool, typer.Option(help="Change an existing user.")] = False,
) -> None:
    """Add a user who may log in to the app (asks for the password)."""

    def go() -> int:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        # the option is free text; UserStore.add refuses a role that is not a Role
        store = _user_store()
        existed = store.get(username.strip().lower()) is not None
        user = store.add(username, password, role=cast("Role", role),
                         groups=parse_groups(groups) or (), name=name, replace=replace)
        _audit("user_changed" if existed else "user_added", user)
        err.print(f"{'changed' if replace else 'added'} {user.username} ({user.role}; reads: "
                  f"{', '.join((EVERYONE, *user.groups))})", highlight=False)
        return EXIT_OK

    run(go)


@users_app.command("list")
def users_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every user with role and groups (never passwords)."""

    def go() -> int:
        users = _user_store().users()
        if json_out:
            emit_json({"users": [{"username": u.username, "name": u.name, "role": u.role,
                                   "groups": list(u.groups)} for u in users]})
            return EXIT_OK
        if not users:
            err.print("No users yet. Add one with: docqa users add NAME --role admin")
            return EXIT_OK
        table = Table("user", "name", "role", "groups")
        for u in users:
            table.add_row(u.username, u.name, u.role, ", ".join((EVERYONE, *u.groups)))
        Console().print(table)
        return EXIT_OK

    run(go)


@users_app.command("remove")
def users_remove(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove a user (their browser sessions end at once)."""

    def go() -> int:
        _user_store().remove(username)
        _audit("user_removed", username)
        err.print(f"removed {username} (their app sessions have ended)", highlight=False)
        return EXIT_OK

    run(go)


DEMO_USERS: tuple[tuple[str, str, Role, tuple[str, ...], str], ...] = (
    ("admin", "admin-demo", "admin", (), "Ada Admin"),
    ("alice", "alice-demo", "employee", (), "Alice Employee"),
    ("hana", "hana-demo", "employee", ("hr",), "Hana from HR"))


@users_app.command("demo")
def users_demo() -> None:
    """Create the demo accounts of the README, unless the users file already has users."""

    def go() -> int:
        store = _user_store()
        if store.users():
            err.print(f"{store.path} already has users; demo accounts not added.",
                      highlight=False)
            return EXIT_OK
        for username, password, role, groups, name in DEMO_USERS:
            _audit("user_added", store.add(username, password, role=role, groups=groups,
                                           name=name))
        err.print("demo accounts: " + ", ".join(f"{u} / {p} ({r})"
                                                for u, p, r, *_ in DEMO_USERS)
                  + " — for trying docqa only; remove them before real use.", highlight=False)
        return EXIT_OK

    run(go)


"""The people who may use the app: a YAML file of users with bcrypt-hashed passwords, a role
and the groups whose documents they may read.

The file is written only through this module (``docqa users add``); an admin may also edit it
by hand. Passwords are never stored or logged in clear. Changing or removing a user ends their
app sessions (through the ``sessions`` collaborator at once; a hand edit through the stamp
check of docqa.sessions at their next page run).
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import bcrypt
import yaml

from docqa.sessions import user_stamp
from retrieval.access import GROUP_NAME, GroupError, check_groups, may_read, reader_groups
from retrieval.errors import ConfigError, DocqaError, NotFoundError
from retrieval.types import EVERYONE

Role = Literal["admin", "employee"]
ROLES: tuple[Role, ...] = ("admin", "employee")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 8


class UserError(DocqaError):
    """A user could not be added or changed; the message says why."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: Role
    groups: tuple[str, ...]  # besides "everyone", which every user reads
    password_hash: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def readable_groups(self) -> tuple[str, ...] | None:
        """The groups whose documents this user may read; ``None`` = all (admins manage every
        document, so they may also ask about every document)."""
        if self.is_admin:
            return None
        return reader_groups(self.groups)

    def may_read(self, doc_groups: tuple[str, ...]) -> bool:
        return may_read(self.readable_groups, doc_groups)

    @property
    def stamp(self) -> str:
        """Changes with the role, the groups or the password: a login session holds the stamp
        it was made with and ends when the user's stamp no longer matches."""
        return user_stamp(self.role, self.groups, self.password_hash)


class SessionRevoker(Protocol):
    def revoke_user(self, username: str) -> int: ...


def _claim_list(value: object) -> list[str]:
    """A claim that holds names: a list, or one string separated by commas or spaces."""
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def user_from_claims(claims: Mapping[str, object], *, username_claim: str = "email",
                     roles_claim: str = "roles", admin_role: str = "docqa-admin",
                     groups_claim: str = "groups") -> User:
    """The user an identity provider vouched for (single sign-on): role and groups come from
    its claims; group names docqa cannot use are ignored rather than trusted."""
    username = str(claims.get(username_claim) or claims.get("sub") or "").strip().lower()
    if not username:
        raise UserError("The identity provider sent no user name.")
    role: Role = "admin" if admin_role in _claim_list(claims.get(roles_claim)) else "employee"
    groups = tuple(sorted({g for g in _claim_list(claims.get(groups_claim))
                           if GROUP_NAME.fullmatch(g) and g != EVERYONE}))
    return User(username, str(claims.get("name") or username), role, groups)


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


@functools.cache
def _dummy_hash() -> str:
    return hash_password("no user has this password")


class UserStore:
    """Reads and writes the users file; thread-safe within a process, atomic on disk.
    ``sessions``, when given, is told to end a user's login sessions when the user is changed
    or removed."""

    def __init__(self, path: Path, sessions: SessionRevoker | None = None) -> None:
        self.path = path
        self.sessions = sessions
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"users": {}}
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError("DOCQA_USERS_FILE", f"{self.path} cannot be read ({e})") from e
        if not isinstance(data, dict) or not isinstance(data.get("users", {}), dict):
            raise ConfigError("DOCQA_USERS_FILE", f"{self.path} must hold a 'users:' mapping")
        data.setdefault("users", {})
        return data

    def users(self) -> list[User]:
        out = []
        for username, entry in sorted(self._load()["users"].items()):
            entry = entry or {}
            role = entry.get("role", "employee")
            if role not in ROLES:
                raise ConfigError("DOCQA_USERS_FILE",
                                  f"user {username!r} has unknown role {role!r}")
            out.append(User(str(username), str(entry.get("name") or username), role,
                            tuple(entry.get("groups") or ()), str(entry.get("password", ""))))
        return out

    def get(self, username: str) -> User | None:
        return next((u for u in self.users() if u.username == username), None)

    def verify(self, username: str, password: str) -> User | None:
        user = self.get(username.strip().lower())
        # An unknown user costs one bcrypt check too, so timing does not tell who exists.
        stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), stored.encode("ascii"))
        except ValueError:
            return None
        return user if ok and user is not None and user.password_hash else None

    def stamp_of(self, username: str) -> str | None:
        """The user's stamp now (see ``User.stamp``), or None if there is no such user."""
        user = self.get(username)
        return None if user is None else user.stamp

    # -- writing ---------------------------------------------------------------------------
    def add(self, username: str, password: str, *, role: Role = "employee",
            groups: tuple[str, ...] = (), name: str = "", replace: bool = False) -> User:
        username = username.strip().lower()
        if not _NAME.fullmatch(username):
            raise UserError(f"User name {username!r} is not valid: use lower-case letters, "
                            "digits, '.', '_' or '-' (at most 64).")
        if role not in ROLES:
            raise UserError(f"Role {role!r} is not valid: use admin or employee.")
        if len(password) < MIN_PASSWORD:
            raise UserError(f"The password is too short: use at least {MIN_PASSWORD} "
                            "characters.")
        try:
            groups = tuple(g for g in check_groups(groups) if g != EVERYONE)
        except GroupError as e:
            raise UserError(str(e)) from e
        with self._lock:
            data = self._load()
            if username in data["users"] and not replace:
                raise UserError(f"User {username!r} already exists (use --replace to change "
                                "the password, role or groups).")
            existed = username in data["users"]
            data["users"][username] = {"name": name or username, "role": role,
                                       "groups": list(groups),
                                       "password": hash_password(password)}
            self._save(data)
        if existed and self.sessions is not None:
            self.sessions.revoke_user(username)  # a changed user logs in afresh
        return User(username, name or username, role, groups,
                    data["users"][username]["password"])

    def remove(self, username: str) -> None:
        with self._lock:
            data = self._load()
            if data["users"].pop(username, None) is None:
                raise NotFoundError(f"user {username!r}")
            self._save(data)
        if self.sessions is not None:
            self.sessions.revoke_user(username)

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".users-", suffix=".yaml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write("# docqa users: edit with `docqa users add|remove`. Passwords are "
                        "bcrypt hashes.\n")
                yaml.safe_dump(data, f, sort_keys=True, allow_unicode=True)
            os.chmod(tmp, 0o600)  # password hashes: owner only
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

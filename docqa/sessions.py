"""Server-side login sessions for the app, in ``data_dir/sessions.sqlite3``.

The browser holds only a random token (an HttpOnly cookie); the database holds its SHA-256,
the user it belongs to, and a *stamp* of that user's record (role, groups, password hash). A
session signs its user in while its row exists, it is younger than the absolute lifetime, it
was used within the idle timeout, and the user's record still has the same stamp. So logging
out, removing a user and changing a user's role, groups or password (also by editing the users
file by hand) end that user's sessions at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from retrieval.store.sqlite import Migration, connect, statements

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    user_stamp TEXT NOT NULL,
    created    REAL NOT NULL,
    last_seen  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_username ON sessions(username);
"""
MIGRATIONS = (Migration(1, statements(_SCHEMA)),)
#: seconds: last_seen is written at most this often per session, not on every page run
TOUCH_EVERY_S = 30.0


def user_stamp(role: str, groups: Iterable[str], password_hash: str) -> str:
    """Changes whenever anything that decides what the user may do or see changes."""
    raw = "\x1f".join((role, ",".join(sorted(groups)), password_hash))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    """Sessions in SQLite; thread-safe within a process, shared by processes through SQLite."""

    def __init__(self, path: Path, *, lifetime_s: float = 8 * 3600,
                 idle_s: float = 3600, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.lifetime_s = lifetime_s
        self.idle_s = idle_s
        self._clock = clock
        self._lock = threading.Lock()
        self._db = connect(path, "sessions", MIGRATIONS)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(self, username: str, stamp: str) -> str:
        """A new session for ``username``; returns the token (never stored)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE created <= ? OR last_seen <= ?",
                             (now - self.lifetime_s, now - self.idle_s))
            self._db.execute("INSERT INTO sessions (token_hash, username, user_stamp, created, "
                             "last_seen) VALUES (?, ?, ?, ?, ?)",
                             (token_hash(token), username, stamp, now, now))
        return token

    def check(self, token: str | None, stamp_of: Callable[[str], str | None]) -> str | None:
        """The username ``token`` signs in, or None. ``stamp_of(username)`` is that user's
        stamp now, or None once the user is gone. A session found invalid is deleted."""
        if not token:
            return None
        key = token_hash(token)
        now = self._clock()
        with self._lock:
            row = self._db.execute("SELECT username, user_stamp, created, last_seen "
                                   "FROM sessions WHERE token_hash = ?", (key,)).fetchone()
        if row is None:
            return None
        username = str(row["username"])
        valid = (now - row["created"] < self.lifetime_s
                 and now - row["last_seen"] < self.idle_s
                 and stamp_of(username) == row["user_stamp"])
        with self._lock:
            if not valid:
                self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
                return None
            if now - row["last_seen"] >= TOUCH_EVERY_S:
                self._db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                                 (now, key))
        return username

    def revoke(self, token: str | None) -> None:
        """Log out: the session of ``token`` ends (every copy of the cookie with it)."""
        if token:
            with self._lock:
                self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))

    def revoke_user(self, username: str) -> int:
        """End every session of ``username``; returns how many there were."""
        with self._lock:
            cur = self._db.execute("DELETE FROM sessions WHERE username = ?", (username,))
            return int(cur.rowcount)

    def count(self, username: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM sessions"
        args: tuple[str, ...] = ()
        if username is not None:
            sql += " WHERE username = ?"
            args = (username,)
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

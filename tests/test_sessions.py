"""Server-side login sessions (docqa/sessions.py): tokens stored only as hashes, ended by
logout, by removing or changing the user (also by hand), by the idle timeout and by the
absolute lifetime."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from docqa.accounts import UserStore
from docqa.sessions import SessionStore, token_hash


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stores(tmp_path: Path, clock: Clock) -> tuple[SessionStore, UserStore]:
    sessions = SessionStore(tmp_path / "sessions.sqlite3", lifetime_s=8 * 3600,
                            idle_s=3600, clock=clock)
    users = UserStore(tmp_path / "users.yaml", sessions)
    users.add("alice", "alice-pass-1")
    users.add("bob", "bob-pass-12", role="admin")
    return sessions, users


def _login(sessions: SessionStore, users: UserStore, name: str) -> str:
    user = users.get(name)
    assert user is not None
    return sessions.create(user.username, user.stamp)


def test_a_session_signs_in_its_user_and_only_its_hash_is_stored(
        stores: tuple[SessionStore, UserStore], tmp_path: Path) -> None:
    sessions, users = stores
    token = _login(sessions, users, "alice")
    assert len(token) >= 40
    assert sessions.check(token, users.stamp_of) == "alice"
    assert sessions.check(token + "x", users.stamp_of) is None
    assert sessions.check(None, users.stamp_of) is None and sessions.check("", users.stamp_of) \
        is None
    rows = sqlite3.connect(tmp_path / "sessions.sqlite3").execute(
        "SELECT token_hash, username FROM sessions").fetchall()
    assert rows == [(token_hash(token), "alice")]
    assert token not in (tmp_path / "sessions.sqlite3").read_bytes().decode("latin-1")
    versions = sqlite3.connect(tmp_path / "sessions.sqlite3").execute(
        "SELECT component, version FROM schema_versions").fetchall()
    assert versions == [("sessions", 1)]


def test_logout_ends_only_that_session(stores: tuple[SessionStore, UserStore]) -> None:
    sessions, users = stores
    first, second = _login(sessions, users, "alice"), _login(sessions, users, "alice")
    sessions.revoke(first)
    assert sessions.check(first, users.stamp_of) is None
    assert sessions.check(second, users.stamp_of) == "alice"


def test_removing_or_changing_a_user_ends_their_sessions_at_once(
        stores: tuple[SessionStore, UserStore]) -> None:
    sessions, users = stores
    alice, alice2, bob = (_login(sessions, users, "alice"), _login(sessions, users, "alice"),
                          _login(sessions, users, "bob"))
    users.add("alice", "alice-pass-1", role="admin", replace=True)  # role change
    assert sessions.count("alice") == 0  # rows gone through the collaborator
    assert sessions.check(alice, users.stamp_of) is None
    assert sessions.check(alice2, users.stamp_of) is None
    assert sessions.check(bob, users.stamp_of) == "bob"  # others untouched
    users.remove("bob")
    assert sessions.count("bob") == 0 and sessions.check(bob, users.stamp_of) is None


@pytest.mark.parametrize("change", ["role", "groups", "password", "removed"])
def test_a_hand_edit_of_the_users_file_ends_sessions_through_the_stamp(
        stores: tuple[SessionStore, UserStore], change: str) -> None:
    sessions, users = stores
    token = _login(sessions, users, "alice")
    plain = UserStore(users.path)  # no collaborator: like an admin's text editor
    text = users.path.read_text()
    if change == "role":
        text = text.replace("role: employee", "role: admin")
    elif change == "groups":
        text = text.replace("groups: []", "groups: [hr]", 1)
    elif change == "password":
        plain.add("carl", "carl-pass-12")
        carl = plain.get("carl")
        assert carl is not None
        text = users.path.read_text()
        old = users.get("alice")
        assert old is not None
        text = text.replace(old.password_hash, carl.password_hash)
    else:
        plain.remove("alice")
        text = users.path.read_text()
    users.path.write_text(text)
    assert sessions.count("alice") == 1  # nobody told the store…
    assert sessions.check(token, users.stamp_of) is None  # …the stamp check ends it
    assert sessions.count("alice") == 0  # and deletes the row


def test_idle_timeout_and_absolute_lifetime(stores: tuple[SessionStore, UserStore],
                                            clock: Clock) -> None:
    sessions, users = stores
    token = _login(sessions, users, "alice")
    clock.now += 3599
    assert sessions.check(token, users.stamp_of) == "alice"  # used: idle time starts again
    clock.now += 3599
    assert sessions.check(token, users.stamp_of) == "alice"
    clock.now += 3600
    assert sessions.check(token, users.stamp_of) is None  # an hour unused
    token, began = _login(sessions, users, "alice"), clock.now
    for _ in range(12):  # used every 50 minutes, yet over after 8 hours
        clock.now += 50 * 60
        if sessions.check(token, users.stamp_of) is None:
            break
    assert 8 * 3600 <= clock.now - began < 8 * 3600 + 50 * 60
    assert sessions.check(token, users.stamp_of) is None


def test_expired_sessions_are_swept_when_a_new_one_is_made(
        stores: tuple[SessionStore, UserStore], clock: Clock) -> None:
    sessions, users = stores
    _login(sessions, users, "alice")
    _login(sessions, users, "bob")
    clock.now += 2 * 3600
    _login(sessions, users, "alice")
    assert sessions.count() == 1


def test_the_users_command_ends_sessions(tmp_path: Path) -> None:
    import subprocess
    import sys

    from docqa.accounts import UserStore as Store

    sessions = SessionStore(tmp_path / "sessions.sqlite3")
    users = Store(tmp_path / "users.yaml", sessions)
    users.add("maria", "maria-pass-1")
    users.add("ops", "ops-pass-12")
    for name in ("maria", "ops"):
        _login(sessions, users, name)
    env = {"DOCQA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def docqa(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "docqa", "users", *args], input=stdin,
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=60)

    removed = docqa("remove", "maria")
    assert removed.returncode == 0, removed.stderr
    assert sessions.count("maria") == 0 and sessions.count("ops") == 1
    changed = docqa("add", "ops", "--replace", "--role", "admin", "--password-stdin",
                    stdin="ops-pass-12\n")
    assert changed.returncode == 0, changed.stderr
    assert sessions.count("ops") == 0

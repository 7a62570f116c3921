"""The users file behind the app's login, and the `docqa users` command."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from docqa.accounts import User, UserError, UserStore


def test_users_are_added_verified_changed_and_removed(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.yaml")
    store.add("Maria", "correct horse", role="employee", groups=("finance", "everyone"))
    maria = store.get("maria")
    assert maria is not None and maria.groups == ("finance",)  # everyone is implicit
    assert maria.readable_groups == ("everyone", "finance")
    assert "correct horse" not in (tmp_path / "users.yaml").read_text()
    assert stat.S_IMODE((tmp_path / "users.yaml").stat().st_mode) == 0o600
    assert store.verify("maria", "correct horse") == maria
    assert store.verify("maria", "wrong horse") is None
    assert store.verify("nobody", "correct horse") is None
    with pytest.raises(UserError, match="already exists"):
        store.add("maria", "another secret")
    store.add("maria", "another secret", role="admin", replace=True)
    assert store.verify("maria", "another secret").is_admin  # type: ignore[union-attr]
    store.remove("maria")
    assert store.get("maria") is None


@pytest.mark.parametrize(("name", "password", "role", "groups", "message"), [
    ("bad name", "long enough", "employee", (), "not valid"),
    ("ok", "short", "employee", (), "too short"),
    ("ok", "long enough", "root", (), "Role"),
    ("ok", "long enough", "employee", ("no spaces please",), "Group name"),
])
def test_bad_users_are_refused_with_a_sentence(tmp_path: Path, name: str, password: str,
                                               role: str, groups: tuple[str, ...],
                                               message: str) -> None:
    with pytest.raises(UserError, match=message):
        UserStore(tmp_path / "u.yaml").add(name, password, role=role,  # type: ignore[arg-type]
                                           groups=groups)


def test_admins_read_everything_employees_their_groups() -> None:
    admin = User("a", "A", "admin", ())
    hana = User("h", "H", "employee", ("hr",))
    assert admin.readable_groups is None and admin.may_read(("hr",))
    assert hana.may_read(("hr",)) and hana.may_read(("everyone",))
    assert not hana.may_read(("legal",))


def test_the_users_command(tmp_path: Path) -> None:
    env = {"DOCQA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def docqa(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "docqa", "users", *args], input=stdin,
                              capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=60)

    added = docqa("add", "ops", "--role", "admin", "--password-stdin", stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    short = docqa("add", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "too short" in short.stderr
    listed = docqa("list", "--json")
    assert '"username": "ops"' in listed.stdout and "s3cret" not in listed.stdout
    demo = docqa("demo")  # users exist: the demo accounts are not added
    assert demo.returncode == 0 and "not added" in demo.stderr
    assert UserStore(tmp_path / "users.yaml").verify("ops", "s3cret-pass") is not None


def test_single_sign_on_claims_give_role_and_groups() -> None:
    from docqa.accounts import user_from_claims

    carol = user_from_claims({"sub": "c1", "email": "Carol@Example.com", "name": "Carol",
                              "groups": ["hr", "bad group!", "everyone"], "roles": "staff"})
    assert carol == User("carol@example.com", "Carol", "employee", ("hr",))
    dave = user_from_claims({"sub": "d1", "roles": ["docqa-admin"], "groups": "legal,finance"})
    assert dave.username == "d1" and dave.is_admin and dave.groups == ("finance", "legal")
    custom = user_from_claims({"upn": "eve", "grp": ["ops"], "app_roles": ["boss"]},
                              username_claim="upn", groups_claim="grp",
                              roles_claim="app_roles", admin_role="boss")
    assert custom == User("eve", "eve", "admin", ("ops",))
    with pytest.raises(UserError):
        user_from_claims({"email": ""})

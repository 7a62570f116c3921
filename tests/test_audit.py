"""The audit log (docqa/audit.py): an append-only store, events from the command line, the
login routes and the upload queue, `docqa audit --json`, and the admins-only page."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

import ui.websession as ws
from docqa.accounts import UserStore
from docqa.audit import ACTIONS, MIGRATIONS, AuditLog
from docqa.cli import app
from retrieval.settings import Settings, load_settings
from tests.test_app import add_users, app_for, open_page, texts

__all__ = ["app_for"]  # the AppTest fixture of tests/test_app.py, used here too


# -- the store ---------------------------------------------------------------------------------
def test_events_are_appended_read_newest_first_and_filtered(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.sqlite3", "cli")
    log.record("root", "user_added", "bob", role="employee", groups=["hr"], password="x")
    log.record("bob", "login_failed", "", address="10.0.0.1")
    log.record("bob", "login", "", address="10.0.0.1")
    events = log.recent(limit=10)
    assert [e.action for e in events] == ["login", "login_failed", "user_added"]
    added = events[-1]
    assert added.actor == "root" and added.target == "bob" and added.source == "cli"
    assert added.detail == {"role": "employee", "groups": ["hr"]}  # never a password
    assert added.at.endswith("+00:00")  # ISO, UTC
    assert [e.action for e in log.recent(action="login")] == ["login"]
    assert [e.action for e in log.recent(actor="root")] == ["user_added"]
    assert len(log.recent(limit=2)) == 2
    assert log.recent(since="2999-01-01") == []
    assert len(log.recent(since=added.at)) == 3
    with pytest.raises(ValueError):
        log.record("root", "dropped_table")
    # append-only: nothing to change or delete events with
    assert not [m for m in dir(log) if m.startswith(("update", "delete", "remove", "clear"))]
    log.close()


def test_the_audit_schema_is_migrated_and_reopened(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite3"
    AuditLog(path).close()
    AuditLog(path).close()  # opening again changes nothing
    db = sqlite3.connect(path)
    version = db.execute("SELECT version FROM schema_versions WHERE component = 'audit'")
    assert version.fetchone()[0] == len(MIGRATIONS)
    columns = [r[1] for r in db.execute("PRAGMA table_info(audit)")]
    assert columns == ["id", "at", "actor", "action", "target", "detail", "source"]
    db.close()


# -- the command line --------------------------------------------------------------------------
@pytest.fixture
def cli(settings: Settings, embedder: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Commands on the test's data dir, with the session's embedder (no second model load)."""
    import docqa.services as services_module

    real_open = services_module.open_services
    monkeypatch.setenv("DOCQA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DOCQA_USER", "ops-admin")
    monkeypatch.setattr(services_module, "open_services",
                        lambda s, embedder_=None, index=None: real_open(s, embedder=embedder))
    return CliRunner()


def _audit_json(cli: CliRunner, *args: str) -> list[dict[str, Any]]:
    result = cli.invoke(app, ["audit", "--json", *args])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"events"}
    for event in body["events"]:
        assert set(event) == {"at", "actor", "action", "target", "detail", "source"}
    return list(body["events"])


def test_cli_ingest_delete_and_users_are_audited(cli: CliRunner, tmp_path: Path) -> None:
    doc = tmp_path / "policy.md"
    doc.write_text("# Travel policy\n\nTrains are booked in second class.\n")
    result = cli.invoke(app, ["ingest", str(doc), "--groups", "sales"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["ingest", str(doc), "--groups", "hr"])  # unchanged, regrouped
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["docs", "delete", "policy.md"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["users", "add", "bob", "--password-stdin", "--groups", "hr"],
                        input="bob-secret-pass\n")
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["users", "add", "bob", "--password-stdin", "--replace",
                              "--role", "admin"], input="bob-secret-pass\n")
    assert result.exit_code == 0, result.output
    result = cli.invoke(app, ["users", "remove", "bob"])
    assert result.exit_code == 0, result.output

    events = list(reversed(_audit_json(cli)))
    assert [e["action"] for e in events] == ["ingest", "groups_changed", "delete", "user_added",
                                             "user_changed", "user_removed"]
    assert {e["actor"] for e in events} == {"ops-admin"}
    assert {e["source"] for e in events} == {"cli"}
    ingest, regroup, delete = events[:3]
    assert ingest["target"] == "policy.md" and ingest["detail"]["groups"] == ["sales"]
    assert ingest["detail"]["doc_id"] and ingest["detail"]["path"] == "policy.md"
    assert regroup["detail"]["from"] == ["sales"] and regroup["detail"]["to"] == ["hr"]
    assert delete["detail"]["doc_id"] == ingest["detail"]["doc_id"]
    assert events[3]["target"] == "bob" and events[3]["detail"] == {"role": "employee",
                                                                   "groups": ["hr"]}
    assert events[4]["detail"]["role"] == "admin"
    assert "bob-secret-pass" not in json.dumps(events)

    assert [e["action"] for e in _audit_json(cli, "--action", "delete")] == ["delete"]
    assert len(_audit_json(cli, "--limit", "2")) == 2
    assert _audit_json(cli, "--since", "2999-01-01") == []
    bad = cli.invoke(app, ["audit", "--action", "nonsense"])
    assert bad.exit_code == 1 and "--action" in bad.output
    plain = cli.invoke(app, ["audit"])
    assert plain.exit_code == 0 and "user_removed" in plain.output


def test_cli_demo_users_are_audited(cli: CliRunner) -> None:
    assert cli.invoke(app, ["users", "demo"]).exit_code == 0
    events = _audit_json(cli, "--action", "user_added")
    assert sorted(e["target"] for e in events) == ["admin", "alice", "hana"]
    assert "demo" not in json.dumps([e["detail"] for e in events])  # no passwords


def test_audit_json_is_empty_on_a_new_data_dir(cli: CliRunner) -> None:
    assert _audit_json(cli) == []


# -- the app: logins, uploads, the page ---------------------------------------------------------
@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, Settings]:
    s = load_settings(data_dir=tmp_path / "data")
    monkeypatch.setattr(ws, "_server_settings", lambda: s)
    monkeypatch.setattr(ws, "per_user", ws.Throttle(ws.MAX_FAILS_PER_USER))
    monkeypatch.setattr(ws, "per_address", ws.Throttle(ws.MAX_FAILS_PER_ADDRESS))
    UserStore(s.users_path).add("alice", "alice-pass-1")
    client = TestClient(Starlette(routes=ws.routes()), base_url="http://testserver",
                        follow_redirects=False)
    return client, s


def test_logins_failed_logins_and_logouts_are_audited(
        web: tuple[TestClient, Settings]) -> None:
    client, s = web
    origin = {"origin": "http://testserver"}
    bad = client.post("/session/login", data={"username": "alice", "password": "wrong-guess-1"},
                      headers=origin)
    assert bad.headers["location"].endswith("login=failed")
    client.post("/session/login", data={"username": "mallory", "password": "hunter2-pass"},
                headers=origin)
    good = client.post("/session/login", data={"username": "Alice", "password": "alice-pass-1"},
                       headers=origin)
    assert ws.COOKIE in good.cookies
    client.post("/session/logout", headers=origin)
    events = list(reversed(AuditLog(s.audit_path).recent()))
    assert [(e.actor, e.action) for e in events] == [
        ("alice", "login_failed"), ("mallory", "login_failed"), ("alice", "login"),
        ("alice", "logout")]
    assert all(e.source == "app" for e in events)
    stored = s.audit_path.read_bytes() + b"".join(
        p.read_bytes() for p in s.data_dir.glob("audit.sqlite3-*"))
    assert b"wrong-guess" not in stored and b"hunter2" not in stored


def test_app_uploads_and_reindexes_are_audited(open_services: Callable[..., Any],
                                               tmp_path: Path) -> None:
    from ingest.uploads import UploadQueue
    from ui.common import audit_upload

    services = open_services()
    doc = tmp_path / "memo.md"
    doc.write_text("# Memo\n\nThe canteen opens at eight.\n")
    queue = UploadQueue(services, on_report=lambda job, report: audit_upload(services, job,
                                                                              report))
    queue.submit("memo.md", doc.read_bytes(), ("sales",), "root")
    assert queue.wait(60)
    record = services.catalog.find("memo.md")
    queue.submit_reindex(record.doc_id, "root")
    assert queue.wait(60)
    queue.close()
    events = list(reversed(services.audit.recent()))
    assert [(e.actor, e.action, e.target) for e in events] == [
        ("root", "ingest", "memo.md"), ("root", "reindex", "memo.md")]
    assert events[0].detail == {"path": "memo.md", "doc_id": record.doc_id,
                                "groups": ["sales"]}


def test_the_audit_page_shows_events_to_admins_only(
        open_services: Callable[..., Any], app_for: Callable[..., AppTest]) -> None:
    services = open_services()
    services.audit.record("root", "delete", "<b>secret</b>.pdf", doc_id="d1")
    services.audit.record("mallory", "login_failed", "", address="10.0.0.9")
    admin = app_for(services, "root").run()
    open_page(admin, "audit")
    assert not admin.exception
    assert [t.value for t in admin.title][:1] == ["Audit log"]
    rows = admin.dataframe[0].value.to_dict("records")
    assert [(r["actor"], r["action"]) for r in rows] == [("mallory", "login_failed"),
                                                       ("root", "delete")]
    assert rows[1]["target"] == "<b>secret</b>.pdf"  # text in a dataframe, not HTML
    admin.selectbox(key="audit-action").set_value("delete").run()
    assert [r["action"] for r in admin.dataframe[0].value.to_dict("records")] == ["delete"]
    admin.selectbox(key="audit-action").set_value("all").run()
    admin.text_input(key="audit-actor").set_value("mallory").run()
    assert [r["actor"] for r in admin.dataframe[0].value.to_dict("records")] == ["mallory"]
    admin.button(key="docqa-logout").click().run()  # the page's own Log out button
    assert [(e.actor, e.action) for e in services.audit.recent(limit=1)] == [("root", "logout")]

    employee = app_for(services, "alice").run()
    open_page(employee, "audit")  # a typed URL lands on Ask
    assert not employee.exception
    assert [t.value for t in employee.title] != ["Audit log"]
    assert len(employee.dataframe) == 0


def test_the_audit_page_checks_the_role_itself(open_services: Callable[..., Any]) -> None:
    def page(services, username):  # type: ignore[no-untyped-def]  # runs as its own script
        from docqa.accounts import UserStore
        from ui.common import AppContext
        from ui.views import audit

        store = UserStore(services.settings.users_path)
        audit.render(AppContext(services, None, store,  # type: ignore[arg-type]
                                store.get(username)))

    services = open_services()
    services.audit.record("root", "login", "")
    add_users(UserStore(services.settings.users_path))
    refused = AppTest.from_function(page, kwargs={"services": services, "username": "alice"},
                                    default_timeout=60)
    refused.run()
    assert not refused.exception
    assert "for administrators" in texts(refused)
    assert len(refused.dataframe) == 0


def test_the_audit_command_has_its_options() -> None:
    result = CliRunner().invoke(app, ["audit", "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    assert "--action" in help_text and "--json" in help_text and "--since" in help_text
    assert len(ACTIONS) == 11

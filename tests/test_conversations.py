"""Saved conversations (docqa/conversations.py) on a real SQLite file: per user, newest first,
questions kept before they are answered, and old answers re-checked against the catalog and
the reader's groups when shown again."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from docqa.conversations import (
    MIGRATIONS,
    ConversationStore,
    Scope,
    TurnAnswer,
    answer_record,
    title_of,
    view_turn,
)
from retrieval.types import DocStatus, DocumentRecord


def _record(doc_id: str, groups: tuple[str, ...],
            status: DocStatus = DocStatus.INDEXED) -> DocumentRecord:
    return DocumentRecord(doc_id, f"{doc_id}.pdf", f"Title {doc_id}", "v1", status, "", 3, 9,
                          (), groups, "admin", "2026-01-01", 10, "", True)


def _answer(*doc_ids: str, used: tuple[str, ...] = (), query_id: int | None = 7) -> TurnAnswer:
    return TurnAnswer(
        text="The cap is EUR 175 [1].", standalone="hotel cap", mode="extractive",
        refused=False, verified=True, supported=True,
        citations=[{"n": i + 1, "doc_id": d, "source": f"{d}.pdf", "title": f"Title {d}",
                    "page": 4, "quote": "Munich 175", "verified": True, "supported": True}
                   for i, d in enumerate(doc_ids)],
        warnings=["A note."],
        details={"context": {"used": [{"doc_id": d, "source": f"{d}.pdf", "n": 1}
                                      for d in (used or doc_ids)],
                             "dropped": [{"doc_id": "hr1", "source": "hr1.pdf",
                                          "reason": "budget"}]},
                 "related": [{"doc_id": "hr1", "source": "hr1.pdf", "page": 1}]},
        query_id=query_id)


def test_conversations_belong_to_their_user_and_list_newest_first(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    first = store.create("alice", "What is the hotel cap in Munich?")
    time.sleep(0.005)
    second = store.create("alice", "  Who approves\n travel?  ", Scope(doc_ids=("d1",)))
    bobs = store.create("bob", "Bob's question")
    assert second.title == "Who approves travel?"
    assert [c.id for c in store.recent("alice")] == [second.id, first.id]
    assert [c.id for c in store.recent("bob")] == [bobs.id]
    assert len({first.id, second.id, bobs.id}) == 3 and len(first.id) >= 16

    # another user's conversation is exactly like one that does not exist
    assert store.get(first.id, "bob") is None and store.get("no-such-id", "bob") is None
    assert store.turns(first.id, "bob") == []
    assert store.add_question(first.id, "bob", "sneaky") is None
    assert not store.rename(first.id, "bob", "mine now")
    assert not store.delete(first.id, "bob")
    assert not store.set_scope(first.id, "bob", Scope(groups=("hr",)))
    assert store.get(first.id, "alice") is not None

    # asking in the older conversation moves it to the top
    time.sleep(0.005)
    turn_id = store.add_question(first.id, "alice", "And in Vienna?", Scope(doc_ids=("d1",)))
    assert turn_id is not None
    assert [c.id for c in store.recent("alice")] == [first.id, second.id]
    assert store.rename(first.id, "alice", "  Hotel   caps ") and not store.rename(
        first.id, "alice", "   ")
    conv = store.get(first.id, "alice")
    assert conv is not None and conv.title == "Hotel caps"
    assert store.set_scope(first.id, "alice", Scope(folders=("policies",)))
    conv = store.get(first.id, "alice")
    assert conv is not None and conv.scope == Scope(folders=("policies",))
    assert not store.save_answer(turn_id, "bob", _answer("d1"))

    assert store.delete(first.id, "alice")
    assert store.get(first.id, "alice") is None and store.turns(first.id, "alice") == []
    assert [c.id for c in store.recent("alice")] == [second.id]
    store.close()


def test_a_question_is_kept_before_its_answer_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite3"
    store = ConversationStore(path)
    conv = store.create("alice", "What is the hotel cap in Munich?")
    turn_id = store.add_question(conv.id, "alice", "What is the hotel cap in Munich?",
                                 Scope(doc_ids=("d1",)))
    assert turn_id is not None
    store.close()  # the app stopped (a reload, a crash) before the answer came

    store = ConversationStore(path)
    [pending] = store.turns(conv.id, "alice")
    assert pending.status == "pending" and pending.answer is None
    assert pending.question == "What is the hotel cap in Munich?"
    assert pending.scope == Scope(doc_ids=("d1",))
    assert store.save_answer(pending.id, "alice", _answer("d1"))
    assert not store.save_answer(pending.id, "alice", _answer("d2"))  # the first one stays
    assert not store.fail(pending.id, "alice", "too late")
    assert store.set_feedback(pending.id, "alice", False, "incomplete")
    assert not store.set_feedback(pending.id, "bob", True)
    [done] = store.turns(conv.id, "alice")
    assert done.status == "answered" and done.answer is not None
    assert done.answer.citations[0]["doc_id"] == "d1" and done.answer.query_id == 7
    assert done.answer.warnings == ["A note."] and done.answer.verified
    assert (done.feedback, done.feedback_reason) == (-1, "incomplete")

    other = store.add_question(conv.id, "alice", "x" * 10)
    assert other is not None and store.fail(other, "alice", "The question is too long.")
    assert store.turns(conv.id, "alice")[1].status == "failed"
    store.close()

    db = sqlite3.connect(path)
    version = db.execute("SELECT version FROM schema_versions WHERE component = "
                         "'conversations'").fetchone()[0]
    assert version == len(MIGRATIONS)
    db.close()


def test_old_answers_are_rechecked_against_the_catalog_when_shown(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3")
    conv = store.create("hana", "q")
    ids = []
    for cited in (("d1", "d2"), ("hr1",), ("d1",)):
        turn_id = store.add_question(conv.id, "hana", "q", Scope(doc_ids=("hr1",)))
        assert turn_id is not None
        store.save_answer(turn_id, "hana", _answer(*cited, used=(*cited, "d2")))
        ids.append(turn_id)
    turns = store.turns(conv.id, "hana")
    catalog = {"d1": _record("d1", ("everyone",)), "hr1": _record("hr1", ("hr",)),
               "d2": _record("d2", ("everyone",), DocStatus.DELETING)}
    hana = ("everyone", "hr")

    view = view_turn(turns[0], catalog.get, hana)
    assert not view.withheld
    assert [(c.doc_id, c.state) for c in view.citations] == [("d1", "available"),
                                                             ("d2", "deleted")]
    assert {r["doc_id"] for r in view.context_rows} == {"d1", "hr1"}
    assert view.scope_labels == ["Title hr1"]

    # hana leaves hr: the answer built from hr1 is withheld, hr1 is named nowhere
    after = ("everyone",)
    view = view_turn(turns[1], catalog.get, after)
    assert view.withheld and view.citations == [] and view.context_rows == []
    assert view.scope_labels == ["1 document no longer available"]
    view = view_turn(turns[2], catalog.get, after)
    assert not view.withheld and [c.doc_id for c in view.citations] == ["d1"]
    assert all(r["doc_id"] != "hr1" for r in [*view.context_rows, *view.related])
    # …and when hr1's groups change instead, the same holds
    catalog["hr1"] = _record("hr1", ("legal",))
    assert view_turn(turns[1], catalog.get, hana).withheld
    # a deleted document's citation stays, marked; an admin reads everything else
    del catalog["hr1"]
    view = view_turn(turns[1], catalog.get, None)
    assert not view.withheld and [c.state for c in view.citations] == ["deleted"]
    store.close()


def test_titles_and_a_real_answer_round_trip(tmp_path: Path, sample_services: Any) -> None:
    assert title_of("short") == "short"
    long = "How many days of annual leave do employees get " * 4
    cut = title_of(long)
    assert cut.endswith("…") and len(cut) <= 81 and not cut[:-1].endswith(" ")
    assert long.startswith(cut[:-1])

    answer = sample_services.new_answerer(None).ask("What is the hotel cap in Munich?",
                                                    groups=("everyone",))
    store = ConversationStore(tmp_path / "c.sqlite3")
    conv = store.create("alice", answer.question)
    turn_id = store.add_question(conv.id, "alice", answer.question)
    assert turn_id is not None
    assert store.save_answer(turn_id, "alice", answer_record(answer))
    [turn] = store.turns(conv.id, "alice")
    assert turn.answer is not None and turn.answer.text == answer.text
    assert turn.answer.citations == [c.as_json() for c in answer.citations]
    view = view_turn(turn, sample_services.catalog.get, ("everyone",))
    assert not view.withheld and view.citations
    assert all(c.state == "available" for c in view.citations)
    assert view.context_rows and all(r["source"] for r in view.context_rows)
    store.close()

"""Saved conversations: each user's questions and answers in ``data_dir/conversations.sqlite3``,
with the scope they were asked in, so a conversation survives a reload or another day.

A question is stored *before* it is answered (a ``pending`` turn): a reload while it is being
answered finds it again and answers it, instead of losing it. Every read and write names the
user, and a conversation of another user is treated exactly like one that does not exist.

What was stored is not trusted when it is shown again: ``view_turn`` re-checks each cited
document against the catalog and the reader's groups *now*. A deleted document's citation is
marked "no longer available"; an answer built from a document the reader may no longer read is
withheld altogether (its text came from that document).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from retrieval.access import may_read
from retrieval.answer.pipeline import Answer
from retrieval.store.sqlite import Migration, connect, statements
from retrieval.types import DocStatus, DocumentRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id          TEXT PRIMARY KEY,
    user        TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    scope       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    asked_at        TEXT NOT NULL,
    question        TEXT NOT NULL,
    scope           TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'pending',
    error           TEXT NOT NULL DEFAULT '',
    answer          TEXT NOT NULL DEFAULT '',
    standalone      TEXT NOT NULL DEFAULT '',
    mode            TEXT NOT NULL DEFAULT '',
    refused         INTEGER NOT NULL DEFAULT 0,
    verified        INTEGER NOT NULL DEFAULT 0,
    supported       INTEGER NOT NULL DEFAULT 0,
    citations       TEXT NOT NULL DEFAULT '[]',
    warnings        TEXT NOT NULL DEFAULT '[]',
    details         TEXT NOT NULL DEFAULT '{}',
    query_id        INTEGER,
    feedback        INTEGER,
    feedback_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id, id)
"""
MIGRATIONS = (Migration(1, statements(_SCHEMA)),)

TITLE_CHARS = 200
#: a turn still waiting for its answer, in a conversation of the given user
_PENDING_OF_USER = ("id = ? AND status = 'pending' AND conversation_id IN "
                    "(SELECT id FROM conversations WHERE user = ?)")
TurnStatus = Literal["pending", "answered", "failed"]
#: statuses whose documents can be searched (and so chosen as a scope)
SEARCHABLE = (DocStatus.INDEXED, DocStatus.NEEDS_OCR)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def title_of(question: str, most: int = 80) -> str:
    """A conversation's first title: its first question on one line, cut at a word."""
    text = " ".join(question.split())
    if len(text) <= most:
        return text
    cut = text[:most].rsplit(" ", 1)[0] or text[:most]
    return cut.rstrip(" ,;:.") + "…"


def folder_of(source: str) -> str:
    """The folder part of a document's source ("policies/2023/travel.pdf" → "policies/2023");
    "" for a document at the top."""
    return source.rpartition("/")[0]


def in_folder(source: str, folder: str) -> bool:
    return folder_of(source) == folder or source.startswith(folder.rstrip("/") + "/")


# -- scope ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """What a question is limited to: chosen documents, folders and groups (any of them).
    Nothing chosen means every document the reader may read."""

    doc_ids: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.doc_ids or self.folders or self.groups)

    def as_json(self) -> dict[str, list[str]]:
        return {"doc_ids": list(self.doc_ids), "folders": list(self.folders),
                "groups": list(self.groups)}

    @classmethod
    def from_json(cls, data: object) -> Scope:
        if not isinstance(data, dict):
            return cls()

        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key)
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(strings("doc_ids"), strings("folders"), strings("groups"))


def scope_doc_ids(scope: Scope, records: Iterable[DocumentRecord],
                  readable_groups: Sequence[str] | None) -> tuple[str, ...] | None:
    """The doc ids a question in ``scope`` searches, among the searchable documents the reader
    may read; None for the whole scope (no limit beyond access). An empty tuple means nothing
    chosen is left to search (deleted, or no longer shared with the reader)."""
    if scope.everything:
        return None
    chosen: list[str] = []
    for r in records:
        if r.status not in SEARCHABLE or not may_read(readable_groups, r.groups):
            continue
        if (r.doc_id in scope.doc_ids or any(in_folder(r.source, f) for f in scope.folders)
                or set(scope.groups) & set(r.groups)):
            chosen.append(r.doc_id)
    return tuple(chosen)


def scope_labels(scope: Scope, lookup: Callable[[str], DocumentRecord | None],
                 readable_groups: Sequence[str] | None) -> list[str]:
    """How a scope is named to the reader now: titles only of documents they may still read."""
    labels: list[str] = []
    gone = 0
    for doc_id in scope.doc_ids:
        record = lookup(doc_id)
        if record is None or not may_read(readable_groups, record.groups):
            gone += 1
        else:
            labels.append(record.title or record.source)
    labels += [f"folder {f}/" for f in scope.folders]
    labels += [f"group {g}" for g in scope.groups]
    if gone:
        labels.append(f"{gone} document{'s' if gone > 1 else ''} no longer available")
    return labels


# -- stored values --------------------------------------------------------------------------
@dataclass(frozen=True)
class Conversation:
    id: str
    user: str
    title: str
    created_at: str
    updated_at: str
    scope: Scope = Scope()


@dataclass(frozen=True)
class TurnAnswer:
    """What is kept of an answer: enough to show it again as it was shown."""

    text: str
    standalone: str
    mode: str
    refused: bool
    verified: bool
    supported: bool
    citations: list[dict[str, object]]
    warnings: list[str]
    #: "Why these sources" (context used/dropped, budget, tokens), timings, related passages
    details: dict[str, object] = field(default_factory=dict)
    query_id: int | None = None


def answer_record(answer: Answer) -> TurnAnswer:
    related = [{"doc_id": h.chunk.doc_id, "source": h.chunk.source, "title": h.chunk.title,
                "page": h.chunk.page_start} for h in answer.related]
    return TurnAnswer(
        text=answer.text, standalone=answer.standalone, mode=answer.mode,
        refused=answer.refused, verified=answer.verified, supported=answer.supported,
        citations=[c.as_json() for c in answer.citations], warnings=list(answer.warnings),
        details={"context": answer.context.as_json(), "timings_ms": dict(answer.timings_ms),
                 "related": related},
        query_id=answer.query_id)


@dataclass(frozen=True)
class Turn:
    id: int
    conversation_id: str
    asked_at: str
    question: str
    scope: Scope
    status: TurnStatus
    error: str = ""
    answer: TurnAnswer | None = None
    feedback: int | None = None
    feedback_reason: str = ""


def _conversation(r: sqlite3.Row) -> Conversation:
    return Conversation(str(r["id"]), str(r["user"]), str(r["title"]), str(r["created_at"]),
                        str(r["updated_at"]), Scope.from_json(json.loads(r["scope"])))


def _turn(r: dict[str, object]) -> Turn:
    status = str(r["status"])
    answer = None
    if status == "answered":
        query_id = r["query_id"]
        answer = TurnAnswer(
            text=str(r["answer"]), standalone=str(r["standalone"]), mode=str(r["mode"]),
            refused=bool(r["refused"]), verified=bool(r["verified"]),
            supported=bool(r["supported"]), citations=json.loads(str(r["citations"])),
            warnings=json.loads(str(r["warnings"])), details=json.loads(str(r["details"])),
            query_id=query_id if isinstance(query_id, int) else None)
    feedback = r["feedback"]
    return Turn(id=int(str(r["id"])), conversation_id=str(r["conversation_id"]),
                asked_at=str(r["asked_at"]), question=str(r["question"]),
                scope=Scope.from_json(json.loads(str(r["scope"]))),
                status="answered" if status == "answered" else
                "failed" if status == "failed" else "pending",
                error=str(r["error"]), answer=answer,
                feedback=feedback if isinstance(feedback, int) else None,
                feedback_reason=str(r["feedback_reason"]))


class ConversationStore:
    """Conversations and their turns in SQLite; every method checks the owner."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = connect(path, "conversations", MIGRATIONS)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- conversations ---------------------------------------------------------------------
    def create(self, user: str, title: str, scope: Scope = Scope()) -> Conversation:
        if not user:
            raise ValueError("a conversation needs its user")
        now = _now()
        conv = Conversation(secrets.token_urlsafe(12), user,
                            title_of(title, TITLE_CHARS) or "New conversation", now, now, scope)
        with self._lock:
            self._db.execute("INSERT INTO conversations (id, user, title, created_at, "
                             "updated_at, scope) VALUES (?, ?, ?, ?, ?, ?)",
                             (conv.id, user, conv.title, now, now,
                              json.dumps(scope.as_json())))
        return conv

    def get(self, conversation_id: str, user: str) -> Conversation | None:
        """The conversation if it exists *and* belongs to ``user``; else None (the same answer
        for both, so an id cannot be probed)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM conversations WHERE id = ? AND user = ?",
                                   (conversation_id, user)).fetchone()
        return _conversation(row) if row else None

    def recent(self, user: str, limit: int = 200) -> list[Conversation]:
        """The user's conversations, the most recently used first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM conversations WHERE user = ? ORDER BY updated_at DESC, "
                "rowid DESC LIMIT ?", (user, max(0, limit))).fetchall()
        return [_conversation(r) for r in rows]

    def rename(self, conversation_id: str, user: str, title: str) -> bool:
        clean = " ".join(title.split())[:TITLE_CHARS]
        if not clean:
            return False
        with self._lock:
            cur = self._db.execute("UPDATE conversations SET title = ? WHERE id = ? AND "
                                   "user = ?", (clean, conversation_id, user))
        return cur.rowcount == 1

    def set_scope(self, conversation_id: str, user: str, scope: Scope) -> bool:
        with self._lock:
            cur = self._db.execute("UPDATE conversations SET scope = ? WHERE id = ? AND "
                                   "user = ?", (json.dumps(scope.as_json()), conversation_id,
                                                user))
        return cur.rowcount == 1

    def delete(self, conversation_id: str, user: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute("DELETE FROM conversations WHERE id = ? AND user = ?",
                                       (conversation_id, user))
                if cur.rowcount == 1:
                    self._db.execute("DELETE FROM turns WHERE conversation_id = ?",
                                     (conversation_id,))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return cur.rowcount == 1

    # -- turns -----------------------------------------------------------------------------
    def add_question(self, conversation_id: str, user: str, question: str,
                     scope: Scope = Scope()) -> int | None:
        """Store a question before it is answered (status ``pending``); its turn id, or None
        when the conversation is not the user's."""
        now = _now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute("UPDATE conversations SET updated_at = ? WHERE id = ? "
                                       "AND user = ?", (now, conversation_id, user))
                turn_id = None
                if cur.rowcount == 1:
                    cur = self._db.execute(
                        "INSERT INTO turns (conversation_id, asked_at, question, scope) "
                        "VALUES (?, ?, ?, ?)",
                        (conversation_id, now, question, json.dumps(scope.as_json())))
                    turn_id = int(cur.lastrowid or 0)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return turn_id

    def turns(self, conversation_id: str, user: str) -> list[Turn]:
        with self._lock:
            rows = self._db.execute(
                "SELECT t.* FROM turns t JOIN conversations c ON c.id = t.conversation_id "
                "WHERE c.id = ? AND c.user = ? ORDER BY t.id", (conversation_id, user)
            ).fetchall()
        return [_turn(dict(r)) for r in rows]

    def save_answer(self, turn_id: int, user: str, answer: TurnAnswer) -> bool:
        """Store the answer of a pending turn; False when it was already answered (another
        run got there first: the first answer stays) or is not the user's."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE turns SET status = 'answered', answer = ?, standalone = ?, mode = ?, "
                "refused = ?, verified = ?, supported = ?, citations = ?, warnings = ?, "
                "details = ?, query_id = ? WHERE " + _PENDING_OF_USER,
                (answer.text, answer.standalone, answer.mode, int(answer.refused),
                 int(answer.verified), int(answer.supported),
                 json.dumps(answer.citations, ensure_ascii=False),
                 json.dumps(answer.warnings, ensure_ascii=False),
                 json.dumps(answer.details, ensure_ascii=False), answer.query_id,
                 turn_id, user))
        return cur.rowcount == 1

    def fail(self, turn_id: int, user: str, error: str) -> bool:
        """A pending question that cannot be answered, with the sentence saying why."""
        with self._lock:
            cur = self._db.execute("UPDATE turns SET status = 'failed', error = ? WHERE "
                                   + _PENDING_OF_USER, (error, turn_id, user))
        return cur.rowcount == 1

    def set_feedback(self, turn_id: int, user: str, helpful: bool | None,
                     reason: str = "") -> bool:
        value = None if helpful is None else (1 if helpful else -1)
        with self._lock:
            cur = self._db.execute(
                "UPDATE turns SET feedback = ?, feedback_reason = ? WHERE id = ? AND "
                "conversation_id IN (SELECT id FROM conversations WHERE user = ?)",
                (value, reason, turn_id, user))
        return cur.rowcount == 1


# -- shown again ----------------------------------------------------------------------------
CitationState = Literal["available", "deleted"]


@dataclass(frozen=True)
class CitationView:
    n: int
    doc_id: str
    source: str
    title: str
    page: int
    quote: str
    verified: bool
    supported: bool
    state: CitationState
    place: str = ""  # "sheet …, rows …", "slide n" or "page n"


@dataclass(frozen=True)
class TurnView:
    """A stored turn as the reader may see it now."""

    turn: Turn
    #: the answer used a document the reader may no longer read: its text is withheld
    withheld: bool = False
    citations: list[CitationView] = field(default_factory=list)
    #: "Why these sources" rows of documents the reader may read now
    context_rows: list[dict[str, object]] = field(default_factory=list)
    related: list[dict[str, object]] = field(default_factory=list)
    scope_labels: list[str] = field(default_factory=list)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def view_turn(turn: Turn, lookup: Callable[[str], DocumentRecord | None],
              readable_groups: Sequence[str] | None) -> TurnView:
    """``turn`` checked against the catalog now (``lookup`` = ``Catalog.get``): citations of
    deleted documents marked, the answer withheld when any document it was built from is no
    longer readable by ``readable_groups`` (None: every document), lists of sources filtered."""
    labels = scope_labels(turn.scope, lookup, readable_groups)
    answer = turn.answer
    if answer is None:
        return TurnView(turn, scope_labels=labels)

    def state(doc_id: str) -> Literal["available", "deleted", "unreadable"]:
        record = lookup(doc_id)
        if record is None or record.status == DocStatus.DELETING:
            return "deleted"
        return "available" if may_read(readable_groups, record.groups) else "unreadable"

    context = answer.details.get("context")
    used = context.get("used", []) if isinstance(context, dict) else []
    dropped = context.get("dropped", []) if isinstance(context, dict) else []
    used_ids = {_str(u.get("doc_id")) for u in used if isinstance(u, dict)}
    cited_ids = {_str(c.get("doc_id")) for c in answer.citations}
    states = {d: state(d) for d in used_ids | cited_ids if d}
    if "unreadable" in states.values():
        return TurnView(turn, withheld=True, scope_labels=labels)
    citations = [CitationView(
        n=_int(c.get("n")), doc_id=_str(c.get("doc_id")), source=_str(c.get("source")),
        title=_str(c.get("title")), page=_int(c.get("page")), quote=_str(c.get("quote")),
        verified=bool(c.get("verified")), supported=bool(c.get("supported")),
        state="deleted" if states.get(_str(c.get("doc_id"))) == "deleted" else "available",
        place=_str(c.get("place")) or f"page {_int(c.get('page'))}")
        for c in answer.citations]

    def readable(item: object) -> bool:
        return isinstance(item, dict) and state(_str(item.get("doc_id"))) == "available"

    rows = [{**u, "sent": True} for u in used if readable(u)]
    rows += [{**d, "sent": False} for d in dropped if readable(d)]
    related_raw = answer.details.get("related")
    related = [r for r in related_raw if readable(r)] if isinstance(related_raw, list) else []
    return TurnView(turn, citations=citations, context_rows=rows, related=related,
                    scope_labels=labels)

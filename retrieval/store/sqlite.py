"""SQLite connections with numbered schema migrations.

Several stores share one database file (the catalog and the query log), so each store is a
*component* with its own schema version, kept in ``schema_versions``. Migration 1 of every
component is the schema as it was before versions were recorded, written with ``IF NOT
EXISTS``: a data dir made by an older docqa upgrades in place. A database migrated by a newer
docqa than this one is refused with one sentence rather than written to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import DocqaError


class StoreError(DocqaError):
    """A database cannot be opened or upgraded; ``path`` and a reason for the operator."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"Database {path}: {reason}")


@dataclass(frozen=True)
class Migration:
    version: int
    statements: tuple[str, ...]


def statements(script: str) -> tuple[str, ...]:
    """A schema script as single statements (a migration runs them in one transaction)."""
    return tuple(s.strip() for s in script.split(";") if s.strip())


def schema_version(db: sqlite3.Connection, component: str) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS schema_versions "
               "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    row = db.execute("SELECT version FROM schema_versions WHERE component = ?",
                     (component,)).fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite3.Connection, component: str, migrations: Sequence[Migration],
            where: str) -> int:
    """Apply the migrations newer than the recorded version, each in its own transaction;
    return the version now recorded."""
    numbers = [m.version for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{component}: migrations must be numbered 1..n, got {numbers}")
    current = schema_version(db, component)
    if current > len(migrations):
        raise StoreError(where, f"its {component} tables were written by a newer docqa "
                                f"(schema {current}, this version knows {len(migrations)}); "
                                "upgrade docqa or restore a backup")
    for migration in migrations[current:]:
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in migration.statements:
                db.execute(statement)
            db.execute("INSERT OR REPLACE INTO schema_versions (component, version) "
                       "VALUES (?, ?)", (component, migration.version))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return max(current, len(migrations))


def connect(path: Path, component: str, migrations: Sequence[Migration], *,
            wal: bool = True) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) with rows by column name,
    upgraded to the newest schema of ``component``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        if wal:
            db.execute("PRAGMA journal_mode=WAL")
        migrate(db, component, migrations, str(path))
    except sqlite3.DatabaseError as e:
        raise StoreError(str(path), f"cannot be opened ({e})") from e
    return db

"""Opening the store: migrations, pragmas, UTC timestamps, the read connection."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, text

from ucdesk.store.database import Database
from ucdesk.store.schema import metadata, team_settings

TABLES = {"customers", "phone_numbers", "calls", "team_settings", "alembic_version"}


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_fresh_file_gets_schema_from_first_migration(tmp_path):
    path = tmp_path / "deep" / "store.sqlite3"
    db = Database.open(str(path))
    try:
        assert db.revision() == "0001"
        assert _tables(path) == TABLES
    finally:
        db.close()


def test_sqlite_url_is_accepted(tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'u.sqlite3'}")
    try:
        assert db.dialect == "sqlite"
        assert db.revision() == "0001"
    finally:
        db.close()


def test_reopen_is_idempotent_and_keeps_data(tmp_path):
    path = tmp_path / "store.sqlite3"
    db = Database.open(str(path))
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    with db.session() as s:
        s.execute(insert(team_settings).values(key="churn", value="0.03", updated_at=now))
    db.close()
    db = Database.open(str(path))
    try:
        assert db.revision() == "0001"
        with db.read_connection() as conn:
            assert conn.execute(select(team_settings.c.value)).scalar_one() == "0.03"
            versions = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
        assert versions == 1
    finally:
        db.close()


def test_migrated_schema_matches_the_metadata(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, metadata) == []
    finally:
        db.close()


def test_pragmas(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        with db.read_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()


def test_read_connection_refuses_writes(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        now = datetime.now(UTC)
        with db.read_connection() as conn, pytest.raises(Exception, match="readonly"):
            conn.execute(insert(team_settings).values(key="x", value="1", updated_at=now))
    finally:
        db.close()


def test_timestamps_round_trip_as_aware_utc(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        johannesburg = timezone(timedelta(hours=2))
        local = datetime(2025, 6, 1, 10, 30, 15, 123456, tzinfo=johannesburg)
        with db.session() as s:
            s.execute(insert(team_settings).values(key="k", value="1", updated_at=local))
        with db.read_connection() as conn:
            got = conn.execute(select(team_settings.c.updated_at)).scalar_one()
            raw = conn.exec_driver_sql("SELECT updated_at FROM team_settings").scalar()
        assert got == datetime(2025, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)
        assert got.tzinfo is UTC
        assert raw.startswith("2025-06-01 08:30:15")  # stored as UTC
    finally:
        db.close()


def test_naive_datetimes_are_refused(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        with pytest.raises(Exception, match="naive datetime"), db.session() as s:
            s.execute(insert(team_settings).values(key="k", value="1",
                                                   updated_at=datetime(2025, 1, 1)))
    finally:
        db.close()


def test_reader_sees_commits_while_a_write_transaction_is_open(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    now = datetime.now(UTC)
    try:
        with db.session() as s:
            s.execute(insert(team_settings).values(key="committed", value="1", updated_at=now))
        seen: dict[str, object] = {}
        with db.session() as s:  # the writer holds the write lock (BEGIN IMMEDIATE) ...
            s.execute(insert(team_settings).values(key="pending", value="2", updated_at=now))

            def read() -> None:  # ... while a reader on another thread looks
                try:
                    with db.read_connection() as conn:
                        seen["keys"] = sorted(conn.execute(select(team_settings.c.key)).scalars())
                except Exception as exc:  # pragma: no cover - reported below
                    seen["error"] = exc

            t = threading.Thread(target=read)
            t.start()
            t.join(timeout=3)  # far below busy_timeout: the reader must not wait for the writer
            assert not t.is_alive()
        assert seen == {"keys": ["committed"]}
        with db.read_connection() as conn:
            assert conn.execute(select(func.count()).select_from(team_settings)).scalar() == 2
    finally:
        db.close()


def test_in_memory_sqlite_is_refused():
    with pytest.raises(ValueError, match="in-memory"):
        Database.open("sqlite://")

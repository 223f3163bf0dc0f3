"""Opening the store: engine, pragmas, migrations, sessions and the ring path's read connection.

``Database.open(url)`` takes a file path, a ``sqlite:///...`` URL or a PostgreSQL URL
(``postgresql+psycopg://...``) and brings the schema up to date with Alembic, from the first
revision on a fresh store. The migration scripts ship inside this package; no ``alembic.ini``.

SQLite specifics, set on every new DB-API connection:

- ``journal_mode=WAL`` so readers never wait for the writer (the ring path reads while the DB
  worker writes), ``synchronous=NORMAL`` (safe with WAL, far fewer fsyncs), ``foreign_keys=ON``
  and ``busy_timeout`` so a second writer (another process) waits instead of failing at once;
- the writer's transactions start with ``BEGIN IMMEDIATE``: the write lock is taken up front, so
  two writers queue on the busy timeout rather than dead-locking on a read-to-write upgrade;
- :meth:`Database.read_connection` comes from a second engine whose connections are
  ``query_only`` and start plain deferred transactions, so they read a committed snapshot beside
  an open write transaction and can be used from any thread (one thread at a time per connection).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ucdesk.errors import UcdeskError
from ucdesk.log import event as log_event

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
# PostgreSQL advisory lock key held while migrating (any constant; "ucdesk" in ASCII)
MIGRATION_LOCK_KEY = 0x756364657368


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL for ``url``; a bare path becomes an absolute ``sqlite:///`` URL."""
    if "://" in url:
        return url
    path = Path(url).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_engine(url: str, *, read_only: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if read_only:
                cur.execute("PRAGMA query_only = ON")
            else:
                mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log_event(log, "store_wal_unavailable", logging.WARNING, journal_mode=mode)
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    begin_sql = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


class StoreUnavailable(UcdeskError):
    """The store cannot be opened (a read-only folder, a path too long, a server that is down).

    The message says which store and why, in words; the driver's exception is chained.
    """


class Database:
    """One store: a writer engine, a read-only engine and the schema version they share."""

    def __init__(self, url: str, writer: Engine, reader: Engine) -> None:
        self.url = url
        self._writer = writer
        self._reader = reader

    @classmethod
    def open(cls, url: str) -> Database:
        """Connect to ``url`` (a path or a SQLAlchemy URL) and migrate the schema to the head."""
        full = normalise_url(url)
        backend = make_url(full).get_backend_name()
        if backend == "sqlite":
            if make_url(full).database in (None, "", ":memory:"):
                raise ValueError("an in-memory SQLite store cannot share a writer and readers")
            writer = _sqlite_engine(full, read_only=False)
            reader = _sqlite_engine(full, read_only=True)
        else:
            writer = create_engine(full, pool_pre_ping=True)
            # REPEATABLE READ: one snapshot per read transaction, as read_connection promises
            # (PostgreSQL's default READ COMMITTED takes a new one for every statement)
            ro_options = ({"postgresql_readonly": True, "isolation_level": "REPEATABLE READ"}
                          if backend == "postgresql" else {})
            reader = create_engine(full, pool_pre_ping=True, execution_options=ro_options)
        db = cls(full, writer, reader)
        try:
            db._upgrade()
        except SQLAlchemyError as exc:
            db.close()
            where = make_url(full).render_as_string(hide_password=True)
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StoreUnavailable(f"cannot open the store {where}: {reason}") from exc
        except BaseException:
            db.close()
            raise
        log_event(log, "store_opened", url=make_url(full).render_as_string(hide_password=True),
                  dialect=backend, revision=db.revision())
        return db

    # ---- schema ---------------------------------------------------------------------------

    def _alembic_config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def _upgrade(self) -> None:
        cfg = self._alembic_config()
        with self._writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                # agents sharing a store may start at once: one migrates, the others wait here
                # until it commits and then find the schema at the head (on SQLite, BEGIN
                # IMMEDIATE serialises them the same way)
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The Alembic revision the store is at (``None`` before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self._reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # ---- access ---------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        return self._writer.dialect.name

    @property
    def engine(self) -> Engine:
        """The writer engine (for repositories and benchmarks; callers outside the store
        package use repositories instead)."""
        return self._writer

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with Session(self._writer, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def read_connection(self) -> Connection:
        """A new read-only connection, independent of the writer.

        Use it as a context manager (``with db.read_connection() as conn:``; it goes back to
        the pool at the end). It reads a snapshot of committed data taken at its first query,
        without waiting for a write transaction open elsewhere; ``conn.rollback()`` ends the
        snapshot so the next query sees newer commits. It may be used from another thread,
        one thread at a time.
        """
        return self._reader.connect()

    def close(self) -> None:
        """Release every pooled connection. The object must not be used afterwards."""
        if self.dialect == "sqlite":
            try:  # keep the planner's statistics current (cheap; SQLite's advice at close)
                with self._writer.begin() as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
            except Exception as exc:  # a busy or read-only file must not make close() fail
                log_event(log, "store_optimize_skipped", logging.DEBUG, error=str(exc))
        self._reader.dispose()
        self._writer.dispose()
        log_event(log, "store_closed", dialect=self.dialect)

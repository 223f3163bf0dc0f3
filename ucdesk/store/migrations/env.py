"""Alembic environment for ucdesk's store.

Run programmatically by :meth:`ucdesk.store.database.Database.open`, which hands over an open
connection in ``config.attributes["connection"]``; no ``alembic.ini`` is needed. For development
(``alembic revision --autogenerate``) a ``sqlalchemy.url`` main option is used instead.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from ucdesk.store.schema import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER on SQLite = copy table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("ucdesk migrations run online only")
run_migrations_online()

"""Persistence: the only package that imports SQLAlchemy and Alembic.

Repositories take a :class:`Database` and return frozen domain objects (``ucdesk.domain``);
nothing outside this package sees a session, a row or a SQL type.
"""

from ucdesk.store.calls import CallRepository
from ucdesk.store.customers import CustomerRepository, UpsertResult
from ucdesk.store.database import Database
from ucdesk.store.team_settings import TeamSettingsBackend

__all__ = [
    "CallRepository",
    "CustomerRepository",
    "Database",
    "TeamSettingsBackend",
    "UpsertResult",
]

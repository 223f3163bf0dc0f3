"""The tables, as SQLAlchemy Core metadata.

This is the *current* shape; the migrations under ``migrations/versions`` build it step by step
and a unit test checks the two agree. Portable on purpose: integers, text, dates, UTC timestamps
(:class:`~ucdesk.store.coltypes.UTCDateTime`), money as ``BigInteger`` minor units beside a
``CHAR(3)`` currency, closed vocabularies as short strings with CHECK constraints.

``phone_numbers`` belongs to an owner of some kind (``customer`` now, ``contact`` when the
directory arrives), so both share one E.164 index for the ring-path lookup. The raw text is kept
beside the E.164 form so a change of the ``region`` setting can re-normalise national numbers.
"""

from __future__ import annotations

from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ucdesk.store.coltypes import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(128), nullable=True, unique=True),
    Column("name", String(200), nullable=False),
    Column("company", String(200), nullable=False, server_default=""),
    Column("monthly_revenue_minor", BigInteger, nullable=False, server_default="0"),
    Column("currency", CHAR(3), nullable=False),
    Column("start_date", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("acquisition_cost_minor", BigInteger, nullable=True),
    Column("lifetime_value_minor", BigInteger, nullable=True),
    Column("revenue_to_date_minor", BigInteger, nullable=True),
    Column("values_computed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('active', 'churned')", name="status"),
    CheckConstraint("monthly_revenue_minor >= 0", name="revenue_not_negative"),
)

phone_numbers = Table(
    "phone_numbers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_kind", String(16), nullable=False),
    Column("owner_id", Integer, nullable=False),
    Column("raw", String(64), nullable=False),
    Column("e164", String(20), nullable=True),
    Column("ext", String(16), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    CheckConstraint("owner_kind IN ('customer', 'contact')", name="owner_kind"),
    # owner_id leads: "owner_kind = ?" alone is not selective, and an index led by it would
    # tempt SQLite's planner away from the e164 index on the ring-path lookup
    UniqueConstraint("owner_id", "owner_kind", "position"),
    Index(None, "e164"),
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("direction", String(8), nullable=False),
    Column("agent", String(255), nullable=False),
    Column("sip_call_id", String(255), nullable=True),
    Column("raw_identity", Text, nullable=False),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("number_raw", Text, nullable=False, server_default=""),
    Column("number_e164", String(20), nullable=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("customer_name", String(200), nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("status_code", Integer, nullable=True),
    Column("lifetime_value_minor", BigInteger, nullable=True),
    Column("currency", CHAR(3), nullable=True),
    CheckConstraint("direction IN ('incoming', 'outgoing')", name="direction"),
    CheckConstraint(
        "outcome IS NULL OR outcome IN "
        "('answered', 'missed', 'declined', 'busy', 'cancelled', 'failed')",
        name="outcome",
    ),
    Index(None, "started_at"),
    Index(None, "number_e164"),
    Index(None, "customer_id", "started_at"),
)

team_settings = Table(
    "team_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),   # JSON
    Column("updated_at", UTCDateTime, nullable=False),
)

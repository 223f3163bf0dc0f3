"""Initial schema: customers, their phone numbers, calls, team settings.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Constraint and index names are given in full (``op.f``), so the naming convention of the
current metadata cannot rename them. Self-contained on purpose: a migration describes the schema as it was at its revision, so it
does not import ``ucdesk.store.schema`` (which describes the current one).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ucdesk.store.coltypes import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=False, server_default=""),
        sa.Column("monthly_revenue_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("acquisition_cost_minor", sa.BigInteger(), nullable=True),
        sa.Column("lifetime_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("revenue_to_date_minor", sa.BigInteger(), nullable=True),
        sa.Column("values_computed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customers_external_id")),
        sa.CheckConstraint("status IN ('active', 'churned')", name=op.f("ck_customers_status")),
        sa.CheckConstraint(
            "monthly_revenue_minor >= 0", name=op.f("ck_customers_revenue_not_negative")
        ),
    )
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("raw", sa.String(64), nullable=False),
        sa.Column("e164", sa.String(20), nullable=True),
        sa.Column("ext", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sa.CheckConstraint(
            "owner_kind IN ('customer', 'contact')", name=op.f("ck_phone_numbers_owner_kind")
        ),
        sa.UniqueConstraint(
            "owner_id", "owner_kind", "position",
            name=op.f("uq_phone_numbers_owner_id_owner_kind_position"),
        ),
    )
    op.create_index(op.f("ix_phone_numbers_e164"), "phone_numbers", ["e164"])
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("agent", sa.String(255), nullable=False),
        sa.Column("sip_call_id", sa.String(255), nullable=True),
        sa.Column("raw_identity", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("number_raw", sa.Text(), nullable=False, server_default=""),
        sa.Column("number_e164", sa.String(20), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", sa.String(200), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("lifetime_value_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.CHAR(3), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], ondelete="SET NULL",
            name=op.f("fk_calls_customer_id_customers"),
        ),
        sa.CheckConstraint("direction IN ('incoming', 'outgoing')", name=op.f("ck_calls_direction")),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN "
            "('answered', 'missed', 'declined', 'busy', 'cancelled', 'failed')",
            name=op.f("ck_calls_outcome"),
        ),
    )
    op.create_index(op.f("ix_calls_started_at"), "calls", ["started_at"])
    op.create_index(op.f("ix_calls_number_e164"), "calls", ["number_e164"])
    op.create_index(op.f("ix_calls_customer_id_started_at"), "calls", ["customer_id", "started_at"])
    op.create_table(
        "team_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_team_settings")),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
    op.drop_index(op.f("ix_calls_customer_id_started_at"), table_name="calls")
    op.drop_index(op.f("ix_calls_number_e164"), table_name="calls")
    op.drop_index(op.f("ix_calls_started_at"), table_name="calls")
    op.drop_table("calls")
    op.drop_index(op.f("ix_phone_numbers_e164"), table_name="phone_numbers")
    op.drop_table("phone_numbers")
    op.drop_table("customers")

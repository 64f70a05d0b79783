"""Legal orders and their targets; a legal clock on cases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("country", sa.String(2), nullable=False, index=True),
        sa.Column("legal_basis", sa.String(200), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("emergency", sa.Boolean, nullable=False),
        sa.Column("sealed", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "legal_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("legal_orders.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(500), nullable=False, index=True),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("legal_deadline", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("legal_deadline")
    op.drop_table("legal_targets")
    op.drop_table("legal_orders")

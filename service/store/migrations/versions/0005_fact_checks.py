"""The fact-check bank and the bank version counters.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("summary", sa.Text),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("publisher", sa.String(200)),
        sa.Column("url", sa.Text),
        sa.Column("review_date", sa.Date),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("tags", sa.Text),
        sa.Column("source_key", sa.String(300), unique=True),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("embedder", sa.String(100)),
        sa.Column("added_by", sa.String(100)),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.Column("removed_by", sa.String(100)),
    )
    op.create_index("ix_fact_checks_removed_at", "fact_checks", ["removed_at"])
    op.create_table(
        "bank_versions",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bank_versions")
    op.drop_index("ix_fact_checks_removed_at", "fact_checks")
    op.drop_table("fact_checks")

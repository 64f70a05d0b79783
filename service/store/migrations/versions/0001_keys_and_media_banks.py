"""API keys and media banks.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, index=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "media_banks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("negative", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("created_by", sa.String(100)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bank", sa.String(64), sa.ForeignKey("media_banks.name"), nullable=False, index=True),
        sa.Column("pdq", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("original_date", sa.Date),
        sa.Column("context", sa.Text),
        sa.Column("tags", sa.Text),
        sa.Column("derived", sa.Text),
        sa.Column("added_by", sa.String(100)),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.Column("removed_by", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("bank_entries")
    op.drop_table("media_banks")
    op.drop_table("api_keys")

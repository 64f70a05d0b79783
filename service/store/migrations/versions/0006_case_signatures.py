"""Coordination reads stored signatures: each case keeps its posting account,
time and MinHash signature, written when it is inserted, so a submission no
longer re-hashes the window's tweets; `cases.created_at` gets the index that
window query needs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("account", sa.String(100)))
        batch.add_column(sa.Column("posted_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("minhash", sa.LargeBinary))
    op.create_index("ix_cases_created_at", "cases", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_created_at", "cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("minhash")
        batch.drop_column("posted_at")
        batch.drop_column("account")

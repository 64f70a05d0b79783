"""The model registry's audit trail (gate decisions, promotions, rollbacks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    f"CREATE TRIGGER model_events_no_{verb.lower()} BEFORE {verb} ON model_events "
    "BEGIN SELECT RAISE(ABORT, 'model events are append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_GUARDS = [
    "CREATE FUNCTION model_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'model events are append-only'; END $$",
    "CREATE TRIGGER model_events_append_only BEFORE UPDATE OR DELETE ON model_events "
    "FOR EACH ROW EXECUTE FUNCTION model_events_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.String(100), nullable=False, index=True),
        sa.Column("previous", sa.String(100)),
        sa.Column("passed", sa.Boolean),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_GUARDS if postgres else _SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER model_events_append_only ON model_events")
        op.execute("DROP FUNCTION model_events_append_only()")
    op.drop_table("model_events")

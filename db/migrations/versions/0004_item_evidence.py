"""every evidence record an item was judged on

Revision ID: 0004_item_evidence
Revises: 0003_feedback_indexes
Create Date: 2026-12-02 22:00:00

An item used to keep only its newest measurement, so a verified item could lose the record it was
verified on, and a later measurement that contradicts it went unnoticed. Existing evidence becomes the
first record of its item, judged as it stands (the app re-judges it when shown).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_item_evidence"
down_revision: str | None = "0003_feedback_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_by", sa.String(length=60), nullable=False),
        sa.Column("judgement", sa.String(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["rectification_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("item_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_evidence_item_id"), ["item_id"], unique=False)
    items = sa.table(
        "rectification_items",
        sa.column("id", sa.Integer()),
        sa.column("evidence", sa.JSON()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    records = sa.table(
        "item_evidence",
        sa.column("item_id", sa.Integer()),
        sa.column("measured_at", sa.DateTime(timezone=True)),
        sa.column("measured_by", sa.String()),
        sa.column("judgement", sa.String()),
        sa.column("result", sa.JSON()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(items.c.id, items.c.evidence, items.c.updated_at)).all()
    carried = [
        {
            "item_id": item_id,
            "measured_at": updated_at,
            "measured_by": str((evidence or {}).get("attached_by") or "?")[:60],
            "judgement": "legacy",  # judged again against the item when shown
            "result": evidence,
        }
        for item_id, evidence, updated_at in rows
        if isinstance(evidence, dict) and evidence
    ]
    if carried:
        op.bulk_insert(records, carried)


def downgrade() -> None:
    with op.batch_alter_table("item_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_evidence_item_id"))
    op.drop_table("item_evidence")

"""drop two feedback indexes no query uses

Revision ID: 0003_feedback_indexes
Revises: 0002_topics
Create Date: 2026-11-27 03:05:00

No query looks feedback up by content hash (the embedding cache has its own table), and every
category filter comes with a product, whose index narrows it first. Each index costs every insert:
an import of 100,000 rows maintained both for nothing, the random hash one dearest.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_feedback_indexes"
down_revision: str | None = "0002_topics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_content_hash"))
        batch_op.drop_index(batch_op.f("ix_feedback_category"))


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_content_hash"), ["content_hash"], unique=False)

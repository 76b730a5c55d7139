"""topic names given by analysts, and merged topics

Revision ID: 0002_topics
Revises: 0001
Create Date: 2026-11-27 00:20:00

An analyst's name for a topic (`custom_label`) is kept apart from the generated keyword label, so it
is carried to the next run by key; a topic merged into another keeps its row with `merged_into` (the
surviving key), so a later run that finds it again files it under the survivor.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_topics"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custom_label", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
        batch_op.drop_column("custom_label")

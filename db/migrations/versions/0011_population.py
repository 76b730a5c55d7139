"""the product's user list: the population a survey wave should represent

Revision ID: 0011_population
Revises: 0008_api_keys
Create Date: 2026-12-03 13:20:00

``population_members`` holds one row per user of a product, keyed by the same keyed hash as
respondents (so members and responses match), with their attributes (region, plan, usage ...) as JSON.
Sampling plans and weights read it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_population"
down_revision: str | None = "0008_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "population_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "user_key"),
    )
    with op.batch_alter_table("population_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_population_members_product_id"), ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("population_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_population_members_product_id"))
    op.drop_table("population_members")

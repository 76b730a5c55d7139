"""sampling plans, their strata and quotas, and invitations with personal tokens

Revision ID: 0012_invitations
Revises: 0011_population
Create Date: 2026-12-03 13:15:00

``sampling_plans`` records how a wave's invitations were drawn from the user list (strata, seed,
target, rates, allocation, frequency cap, panel); ``plan_strata`` one row per stratum with its quota
(the row a submission locks to check the quota); ``invitations`` one row per invited member with an
unguessable token for the link and when it was sent, opened and reminded.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_invitations"
down_revision: str | None = "0011_population"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sampling_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("strata", sa.JSON(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("expected_rate", sa.Float(), nullable=False),
        sa.Column("allocation", sa.String(length=12), nullable=False),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("cap_days", sa.Integer(), nullable=False),
        sa.Column("panel_wave_id", sa.Integer(), nullable=True),
        sa.Column("quotas", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["panel_wave_id"], ["waves.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wave_id"),
    )
    op.create_table(
        "plan_strata",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=200), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("rate_source", sa.String(length=12), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("last_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["sampling_plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "stratum"),
    )
    with op.batch_alter_table("plan_strata", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_strata_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("stratum", sa.String(length=200), nullable=False),
        sa.Column("panel", sa.Boolean(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["sampling_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
        sa.UniqueConstraint("wave_id", "user_key"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_user_key"), ["user_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_wave_id"), ["wave_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_wave_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_user_key"))
        batch_op.drop_index(batch_op.f("ix_invitations_plan_id"))
    op.drop_table("invitations")
    with op.batch_alter_table("plan_strata", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_strata_plan_id"))
    op.drop_table("plan_strata")
    op.drop_table("sampling_plans")

"""own questionnaires: question kinds, scales, options, dimensions, versions; imported responses

Revision ID: 0005_own_questionnaires
Revises: 0004_item_evidence
Create Date: 2026-12-03 07:00:00

Surveys could only be Rectify's template (Likert 1-5, NPS, free text). A question now has a kind of
``analytics.questions.KINDS`` with its scale, options, the dimension it measures and whether higher
is better; a question with answers is hidden rather than deleted and a new wording is a new version.
A survey remembers the tool it was imported from, the survey it was reused from and the team's test
families; an imported response keeps the fingerprint of its row so a re-import adds nothing.
Existing template questions become 5-point scales (worded very poor ... excellent as they were
shown, overall satisfaction as satisfied ... dissatisfied) measuring their own dimension.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_own_questionnaires"
down_revision: str | None = "0004_item_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DIMENSION_OF = {"csat": "overall", "nps": "nps"}  # the four seed dimensions are their own codes


def upgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wording", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("end_labels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("dimension", sa.String(length=60), nullable=True))
        batch_op.add_column(
            sa.Column("higher_is_better", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_questions_replaces_id", "questions", ["replaces_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("reused_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("families", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            "fk_surveys_reused_from_id", "surveys", ["reused_from_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))

    questions = sa.table(
        "questions",
        sa.column("code", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("points", sa.Integer()),
        sa.column("wording", sa.String()),
        sa.column("dimension", sa.String()),
    )
    op.execute(
        questions.update()
        .where(questions.c.kind == "likert5")
        .values(kind="scale", points=5, wording="quality", dimension=questions.c.code)
    )
    for code, dimension in _DIMENSION_OF.items():
        op.execute(
            questions.update()
            .where(questions.c.code == code, questions.c.kind.in_(("scale", "nps")))
            .values(dimension=dimension)
        )
    op.execute(questions.update().where(questions.c.code == "csat").values(wording="satisfaction"))


def downgrade() -> None:
    questions = sa.table("questions", sa.column("kind", sa.String()), sa.column("points", sa.Integer()))
    op.execute(questions.update().where(questions.c.kind == "scale").values(kind="likert5"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("fingerprint")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_constraint("fk_surveys_reused_from_id", type_="foreignkey")
        batch_op.drop_column("families")
        batch_op.drop_column("reused_from_id")
        batch_op.drop_column("source")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_questions_replaces_id", type_="foreignkey")
        for column in (
            "replaces_id",
            "version",
            "hidden",
            "higher_is_better",
            "dimension",
            "options",
            "end_labels",
            "wording",
            "points",
        ):
            batch_op.drop_column(column)

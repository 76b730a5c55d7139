"""fitting scale words: the standard "was your problem solved" question becomes a statement to agree with

Revision ID: 0006_fitting_scale_words
Revises: 0005_own_questionnaires
Create Date: 2026-12-03 10:00:00

The standard questionnaire asked "Did it solve your problem?" on the quality scale (very poor ...
excellent), which does not answer that question. It is now the statement "It solved my problem." on the
agreement scale (strongly disagree ... strongly agree), still 5 points, higher is better, same code and
dimension. Stored template questions change the same way while nobody has answered them; an answered
one keeps its wording, because its answers mean what was asked (the builder's "new version" moves it on).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_fitting_scale_words"
down_revision: str | None = "0005_own_questionnaires"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("问题是否得到解决？", "Did it solve your problem?", "quality")
_NEW = ("它解决了我的问题。", "It solved my problem.", "agreement")

_questions = sa.table(
    "questions",
    sa.column("id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("text_zh", sa.String()),
    sa.column("text_en", sa.String()),
    sa.column("wording", sa.String()),
)
_answers = sa.table("answers", sa.column("question_id", sa.Integer()))


def _reword(old: tuple[str, str, str], new: tuple[str, str, str]) -> None:
    unanswered = ~sa.exists().where(_answers.c.question_id == _questions.c.id)
    op.execute(
        _questions.update()
        .where(
            _questions.c.code == "problem_resolution",
            _questions.c.kind == "scale",
            _questions.c.text_zh == old[0],
            _questions.c.text_en == old[1],
            _questions.c.wording == old[2],
            unanswered,
        )
        .values(text_zh=new[0], text_en=new[1], wording=new[2])
    )


def upgrade() -> None:
    _reword(_OLD, _NEW)


def downgrade() -> None:
    _reword(_NEW, _OLD)

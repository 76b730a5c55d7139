"""Repository functions for satisfaction surveys, waves and responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import DIMENSIONS, Answer, Question, Response, Round, Survey, Wave

# The standard questionnaire: four Likert dimensions, overall CSAT, NPS and a free-text comment.
TEMPLATE: tuple[tuple[str, str, str, str, bool], ...] = (
    ("accuracy", "likert5", "回答的准确性如何？", "How accurate are the answers?", True),
    ("ease_of_use", "likert5", "使用起来是否方便？", "How easy is it to use?", True),
    ("response_speed", "likert5", "响应速度如何？", "How fast does it respond?", True),
    ("problem_resolution", "likert5", "问题是否得到解决？", "Did it solve your problem?", True),
    ("csat", "likert5", "总体满意度", "Overall, how satisfied are you?", True),
    (
        "nps",
        "nps",
        "您有多大可能向朋友或同事推荐？",
        "How likely are you to recommend it to a friend or colleague?",
        True,
    ),
    ("comment", "text", "还有什么想告诉我们的？", "Anything else you would like to tell us?", False),
)


def create_survey_from_template(session: Session, product_id: int, name: str) -> Survey:
    """A survey with the standard questions, worded in Chinese and English."""
    survey = Survey(product_id=product_id, name=name)
    survey.questions = [
        Question(position=i, code=code, kind=kind, text_zh=zh, text_en=en, required=required)
        for i, (code, kind, zh, en, required) in enumerate(TEMPLATE)
    ]
    session.add(survey)
    session.flush()
    return survey


def open_wave(
    session: Session, survey_id: int, round_id: int, kind: str, name: str, opens_on: date | None = None
) -> Wave:
    if kind not in ("baseline", "follow_up"):
        raise ValueError(f"unknown wave kind {kind!r}")
    wave = Wave(survey_id=survey_id, round_id=round_id, kind=kind, name=name, opens_on=opens_on)
    session.add(wave)
    session.flush()
    return wave


def add_response(
    session: Session,
    wave_id: int,
    respondent_key: str,
    answers: dict[str, float | str],
    submitted_at: datetime | None = None,
    segment: str | None = None,
) -> Response:
    """Store one respondent's answers, keyed by question code (text answers must be redacted)."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise ValueError(f"no wave {wave_id}")
    questions = {
        q.code: q for q in session.scalars(select(Question).where(Question.survey_id == wave.survey_id))
    }
    response = Response(wave_id=wave_id, respondent_key=respondent_key, segment=segment)
    if submitted_at is not None:
        response.submitted_at = submitted_at
    for code, value in answers.items():
        question = questions[code]
        if question.kind == "text":
            response.answers.append(Answer(question_id=question.id, value_text=str(value)))
        else:
            response.answers.append(Answer(question_id=question.id, value_num=float(value)))
    session.add(response)
    session.flush()
    return response


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    mean: float
    n: int


@dataclass(frozen=True)
class WaveSatisfaction:
    wave_name: str
    wave_kind: str
    respondents: int
    scores: tuple[DimensionScore, ...]


def latest_satisfaction(
    session: Session, product_id: int, round_id: int | None = None
) -> WaveSatisfaction | None:
    """Mean Likert score per dimension in the newest wave that has responses, or None."""
    waves = (
        select(Wave)
        .join(Survey, Survey.id == Wave.survey_id)
        .join(Round, Round.id == Wave.round_id)
        .where(Survey.product_id == product_id)
        .where(select(Response.id).where(Response.wave_id == Wave.id).exists())
        .order_by(Wave.opens_on.desc().nulls_last(), Wave.id.desc())
    )
    if round_id is not None:
        waves = waves.where(Wave.round_id == round_id)
    wave = session.scalars(waves.limit(1)).first()
    if wave is None:
        return None
    rows = session.execute(
        select(Question.code, func.avg(Answer.value_num), func.count(Answer.id))
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave.id, Question.code.in_(DIMENSIONS))
        .group_by(Question.code)
    ).all()
    by_code = {code: DimensionScore(code, float(mean), int(n)) for code, mean, n in rows}
    respondents = session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    return WaveSatisfaction(
        wave.name, wave.kind, int(respondents or 0), tuple(by_code[d] for d in DIMENSIONS if d in by_code)
    )

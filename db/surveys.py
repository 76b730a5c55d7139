"""Repository functions for satisfaction surveys, waves and responses.

A respondent answers a wave through a link carrying the wave and their key. One response per
respondent per wave: answering again while the wave is open replaces the earlier answers (the
respondent is told so), which lets people correct a slip; a closed wave takes no answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import (
    DIMENSIONS,
    WAVE_KINDS,
    Answer,
    Product,
    Question,
    Response,
    Round,
    Survey,
    Wave,
)

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


SCALES = {"likert5": (1, 5), "nps": (0, 10)}  # inclusive range of each numeric question kind


class SurveyError(ValueError):
    """A refused survey or wave change; `code` names the reason for a translated message.

    Codes: name_empty, product_unknown, round_unknown, kind_unknown, wave_unknown.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def create_survey_from_template(session: Session, product_id: int, name: str) -> Survey:
    """A survey with the standard questions, worded in Chinese and English.

    Raises:
        SurveyError: codes name_empty, product_unknown.
    """
    name = name.strip()
    if not name:
        raise SurveyError("name_empty")
    if session.get(Product, product_id) is None:
        raise SurveyError("product_unknown")
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
    """A new open wave of a survey in a round of the same product.

    Raises:
        SurveyError: codes kind_unknown, name_empty, round_unknown (not a round of the survey's product).
    """
    if kind not in WAVE_KINDS:
        raise SurveyError("kind_unknown")
    name = name.strip()
    if not name:
        raise SurveyError("name_empty")
    survey = session.get(Survey, survey_id)
    rnd = session.get(Round, round_id)
    if survey is None or rnd is None or rnd.product_id != survey.product_id:
        raise SurveyError("round_unknown")
    wave = Wave(survey_id=survey_id, round_id=round_id, kind=kind, name=name, opens_on=opens_on)
    session.add(wave)
    session.flush()
    return wave


def set_wave_open(session: Session, wave_id: int, is_open: bool) -> Wave:
    """Close a wave (it takes no more answers; today becomes its closing date) or open it again.

    Raises:
        SurveyError: code wave_unknown.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise SurveyError("wave_unknown")
    wave.is_open = is_open
    wave.closes_on = None if is_open else datetime.now(UTC).date()
    session.flush()
    return wave


def list_surveys(session: Session, product_id: int) -> list[Survey]:
    """Surveys of a product, newest first."""
    query = select(Survey).where(Survey.product_id == product_id).order_by(Survey.id.desc())
    return list(session.scalars(query))


@dataclass(frozen=True)
class WaveSummary:
    """A wave as the survey page lists it: its round's name and how many responses it has."""

    id: int
    name: str
    kind: str
    round_id: int
    round_name: str
    is_open: bool
    opens_on: date | None
    closes_on: date | None
    responses: int


def list_waves(session: Session, survey_id: int) -> list[WaveSummary]:
    """The waves of a survey, oldest first, with their response counts."""
    responses = (
        select(Response.wave_id, func.count().label("n")).group_by(Response.wave_id).subquery("counts")
    )
    rows = session.execute(
        select(Wave, Round.name, func.coalesce(responses.c.n, 0))
        .join(Round, Round.id == Wave.round_id)
        .outerjoin(responses, responses.c.wave_id == Wave.id)
        .where(Wave.survey_id == survey_id)
        .order_by(Wave.id)
    ).all()
    return [
        WaveSummary(w.id, w.name, w.kind, w.round_id, round_name, w.is_open, w.opens_on, w.closes_on, int(n))
        for w, round_name, n in rows
    ]


@dataclass(frozen=True)
class QuestionView:
    """A question as a respondent sees it, in both languages."""

    code: str
    kind: str  # likert5, nps, text
    text_zh: str
    text_en: str
    required: bool

    def text(self, language: str) -> str:
        """The question's wording in `language`: Chinese for "zh", English for any other."""
        return self.text_zh if language == "zh" else self.text_en


@dataclass(frozen=True)
class Questionnaire:
    """What a respondent's link opens: the wave, its product and the questions in order."""

    wave_id: int
    wave_name: str
    is_open: bool
    product_name: str
    questions: tuple[QuestionView, ...]


def survey_questions(session: Session, survey_id: int) -> tuple[QuestionView, ...]:
    """The questions of a survey in order (none for an unknown survey)."""
    query = select(Question).where(Question.survey_id == survey_id).order_by(Question.position)
    return tuple(
        QuestionView(q.code, q.kind, q.text_zh, q.text_en, q.required) for q in session.scalars(query)
    )


def load_questionnaire(session: Session, wave_id: int) -> Questionnaire | None:
    """The questionnaire of a wave, or None when there is no such wave."""
    row = session.execute(
        select(Wave, Survey, Product.name)
        .join(Survey, Survey.id == Wave.survey_id)
        .join(Product, Product.id == Survey.product_id)
        .where(Wave.id == wave_id)
    ).first()
    if row is None:
        return None
    wave, survey, product_name = row
    return Questionnaire(wave.id, wave.name, wave.is_open, product_name, survey_questions(session, survey.id))


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
    """Mean answer to one dimension's question on the 1-5 scale, over `n` answers."""

    dimension: str
    mean: float
    n: int


@dataclass(frozen=True)
class WaveSatisfaction:
    """A wave's mean score per dimension (in DIMENSIONS order; dimensions nobody answered are left out)."""

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

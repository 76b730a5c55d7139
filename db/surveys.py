"""Repository functions for satisfaction surveys, waves and responses.

A respondent answers a wave through a link carrying the wave and their key. One response per
respondent per wave: answering again while the wave is open replaces the earlier answers (the
respondent is told so), which lets people correct a slip; a closed wave takes no answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from analytics.pii import redact
from db.collect import MAX_TEXT, SubmissionError, respondent_pseudonym, retrying
from db.feedback import FeedbackIn, store_feedback
from db.models import (
    DIMENSIONS,
    WAVE_KINDS,
    Answer,
    Feedback,
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
    code: str
    kind: str  # likert5, nps, text
    text_zh: str
    text_en: str
    required: bool

    def text(self, language: str) -> str:
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


def has_responded(session: Session, wave_id: int, raw_key: str) -> bool:
    """Whether this respondent (raw key, as in the link) has answered the wave already."""
    try:
        key = respondent_pseudonym(session, raw_key)
    except SubmissionError:  # an unusable key: the submission will say why
        return False
    if key is None:
        return False
    query = select(Response.id).where(Response.wave_id == wave_id, Response.respondent_key == key)
    return session.scalar(query) is not None


@dataclass(frozen=True)
class ResponseReceipt:
    """What a submission did: status created, replaced (earlier answers updated) or unchanged."""

    status: str
    response_id: int
    pii_counts: dict[str, int] = field(default_factory=dict)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object, kind: str) -> float | None:
    """The answer as a number when it is a whole number in the kind's range, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    low, high = SCALES[kind]
    if number is None or not number.is_integer() or not low <= number <= high:
        return None
    return number


def _checked_answers(
    questions: list[Question], answers: Mapping[str, object]
) -> dict[int, tuple[float | None, str | None]]:
    """question id -> (number, text) of the given answers, after every check.

    Raises:
        SubmissionError: codes answer_unknown, missing, out_of_range, too_long, naming the questions.
    """
    by_code = {q.code: q for q in questions}
    unknown = tuple(code for code in answers if code not in by_code)
    if unknown:
        raise SubmissionError("answer_unknown", unknown)
    missing = tuple(q.code for q in questions if q.required and _is_blank(answers.get(q.code)))
    if missing:
        raise SubmissionError("missing", missing)
    checked: dict[int, tuple[float | None, str | None]] = {}
    out_of_range: list[str] = []
    too_long: list[str] = []
    for q in questions:
        value = answers.get(q.code)
        if _is_blank(value):
            continue
        if q.kind == "text":
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                too_long.append(q.code)
            checked[q.id] = (None, text)
        else:
            number = _number(value, q.kind)
            if number is None:
                out_of_range.append(q.code)
            checked[q.id] = (number, None)
    if out_of_range:
        raise SubmissionError("out_of_range", tuple(out_of_range))
    if too_long:
        raise SubmissionError("too_long", tuple(too_long))
    return checked


def record_response(
    session: Session,
    wave_id: int,
    raw_key: str,
    answers: Mapping[str, object],
    language: str | None = None,
) -> ResponseReceipt:
    """Check, redact and store one respondent's answers to an open wave, keyed by question code.

    A respondent who answered the wave before has their answers replaced (status "replaced"), or left
    as they are when nothing differs (status "unchanged", so a double click stores nothing new).
    Free-text answers are redacted and also stored as feedback of channel survey_comment, in the
    wave's round, under the same pseudonymous key.

    Raises:
        SubmissionError: codes wave_unknown, wave_closed, key_missing, key_too_long, answer_unknown,
            missing, out_of_range, too_long; nothing is stored.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise SubmissionError("wave_unknown")
    if not wave.is_open:
        raise SubmissionError("wave_closed")
    key = respondent_pseudonym(session, raw_key)
    if key is None:
        raise SubmissionError("key_missing")
    survey = session.get(Survey, wave.survey_id)
    assert survey is not None  # a foreign key
    checked = _checked_answers(list(survey.questions), answers)
    found: dict[int, dict[str, int]] = {}  # question id -> personal data found, per type
    for question_id, (number, text) in list(checked.items()):
        if text is not None:
            redaction = redact(text)
            checked[question_id] = (number, redaction.text)
            found[question_id] = redaction.counts
    pii_counts: dict[str, int] = {}
    for counts in found.values():
        for kind, n in counts.items():
            pii_counts[kind] = pii_counts.get(kind, 0) + n
    now = datetime.now(UTC)
    response = session.scalars(
        select(Response).where(Response.wave_id == wave_id, Response.respondent_key == key).with_for_update()
    ).first()
    if response is None:
        response = Response(wave_id=wave_id, respondent_key=key, language=language, submitted_at=now)
        response.answers = [Answer(question_id=q, value_num=n, value_text=t) for q, (n, t) in checked.items()]
        session.add(response)
        session.flush()  # a concurrent first answer of the same key fails here; retrying() replaces it
        status = "created"
    else:
        stored = {a.question_id: a for a in response.answers}
        if {q: (a.value_num, a.value_text) for q, a in stored.items()} == checked:
            return ResponseReceipt("unchanged", response.id, pii_counts)
        for question_id, old in stored.items():
            if question_id not in checked:
                response.answers.remove(old)  # an optional answer left empty this time
        # Updated in place: a delete and insert of the same question would collide on its unique key.
        for question_id, (number, text) in checked.items():
            answer = stored.get(question_id)
            if answer is None:
                response.answers.append(Answer(question_id=question_id, value_num=number, value_text=text))
            else:
                answer.value_num, answer.value_text = number, text
        response.submitted_at = now
        response.language = language
        status = "replaced"
    comments = [(text, found[q]) for q, (_, text) in checked.items() if text]
    _store_comments(session, survey, wave, response, comments, checked, now)
    session.flush()
    return ResponseReceipt(status, response.id, pii_counts)


def _store_comments(
    session: Session,
    survey: Survey,
    wave: Wave,
    response: Response,
    comments: list[tuple[str, dict[str, int]]],
    checked: dict[int, tuple[float | None, str | None]],
    submitted_at: datetime,
) -> None:
    """Each free-text answer (redacted) also as feedback of channel survey_comment; earlier ones go."""
    # The same source reference as the demo data, so every survey comment leads back to its response.
    source_ref = f"survey-response-{response.id}"
    session.execute(
        delete(Feedback).where(Feedback.channel == "survey_comment", Feedback.source_ref == source_ref)
    )
    csat = next((checked.get(q.id, (None, None))[0] for q in survey.questions if q.code == "csat"), None)
    store_feedback(
        session,
        [
            FeedbackIn(
                product_id=survey.product_id,
                channel="survey_comment",
                text=text,
                created_at=submitted_at,
                rating=csat,
                language=response.language,
                round_id=wave.round_id,
                respondent_key=response.respondent_key,
                segment=response.segment,
                source_ref=source_ref,
                pii_counts=counts,
            )
            for text, counts in comments
        ],
    )


def submit_response(
    engine: Engine, wave_id: int, raw_key: str, answers: Mapping[str, object], language: str | None = None
) -> ResponseReceipt:
    """`record_response` in a transaction of its own, retried when it lost a race."""
    return retrying(engine, lambda session: record_response(session, wave_id, raw_key, answers, language))


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

"""Repository functions for satisfaction surveys, waves and responses.

A respondent answers a wave through a link carrying the wave and their key. One response per
respondent per wave: answering again while the wave is open replaces the earlier answers (the
respondent is told so), which lets people correct a slip; a closed wave takes no answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.questions import (
    KINDS,
    MEASURED_KINDS,
    SCALE_POINTS,
    STANDARD,
    WORDINGS,
    Option,
    QuestionSpec,
)
from db.models import (
    WAVE_KINDS,
    Answer,
    Product,
    Question,
    Response,
    Round,
    Survey,
    Wave,
)

ANONYMOUS_KEY = "anon-"  # respondent key prefix of an imported answer without a respondent id
SEED_DIMENSIONS = ("accuracy", "ease_of_use", "response_speed", "problem_resolution")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# What a question means; none of it may change once a wave has answers to it.
_MEANING = (
    "kind",
    "text_zh",
    "text_en",
    "points",
    "wording",
    "end_labels",
    "options",
    "dimension",
    "higher_is_better",
)


class SurveyError(ValueError):
    """A refused survey, question or wave change; `code` names the reason for a translated message.

    Codes: name_empty, product_unknown, survey_unknown, round_unknown, kind_unknown, wave_unknown,
    question_unknown, code_invalid, code_taken, text_missing, points_invalid, wording_invalid,
    options_too_few, options_repeated, dimension_missing, question_frozen, not_answered, survey_empty.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


# --- questions as records ----------------------------------------------------------------------------


def spec_of(question: Question) -> QuestionSpec:
    """A stored question as the record every layer reads."""
    return QuestionSpec(
        code=question.code,
        kind=question.kind,  # type: ignore[arg-type]  # checked on the way in
        text_zh=question.text_zh,
        text_en=question.text_en,
        required=bool(question.required),
        points=question.points,
        wording=question.wording,  # type: ignore[arg-type]
        end_labels=tuple((str(zh), str(en)) for zh, en in (question.end_labels or [])),
        options=tuple(Option(str(zh), str(en)) for zh, en in (question.options or [])),
        dimension=question.dimension,
        higher_is_better=bool(question.higher_is_better),
    )


def _columns(spec: QuestionSpec) -> dict[str, object]:
    """The stored columns of a record (empty settings of other kinds left out)."""
    return {
        "kind": spec.kind,
        "text_zh": spec.text_zh.strip(),
        "text_en": spec.text_en.strip(),
        "required": spec.required,
        "points": spec.points if spec.kind == "scale" else None,
        "wording": spec.wording if spec.kind == "scale" else None,
        "end_labels": [list(pair) for pair in spec.end_labels]
        if spec.kind == "scale" and spec.end_labels
        else None,
        "options": [[o.zh.strip(), o.en.strip()] for o in spec.options]
        if spec.kind in ("single", "multi")
        else None,
        "dimension": (spec.dimension or "").strip() or None if spec.kind in MEASURED_KINDS else None,
        "higher_is_better": spec.higher_is_better
        if spec.kind in ("scale", "nps", "yes_no", "number")
        else True,
    }


def check_spec(spec: QuestionSpec) -> QuestionSpec:
    """The record, checked; a scale without a wording gets "satisfaction", NPS its dimension.

    Raises:
        SurveyError: codes kind_unknown, code_invalid, text_missing, points_invalid, wording_invalid,
            options_too_few, options_repeated, dimension_missing.
    """
    if spec.kind not in KINDS:
        raise SurveyError("kind_unknown")
    if not _CODE.fullmatch(spec.code):
        raise SurveyError("code_invalid", spec.code)
    if not spec.text_zh.strip() or not spec.text_en.strip():
        raise SurveyError("text_missing")
    if spec.kind == "scale":
        if spec.points not in SCALE_POINTS:
            raise SurveyError("points_invalid")
        if spec.wording is None:
            spec = replace(spec, wording="satisfaction")
        if spec.wording not in WORDINGS:
            raise SurveyError("wording_invalid")
    if spec.kind in ("single", "multi"):
        options = [o for o in spec.options if o.zh.strip() or o.en.strip()]
        if len(options) < 2 or any(not (o.zh.strip() and o.en.strip()) for o in options):
            raise SurveyError("options_too_few")
        if len({o.zh.strip() for o in options}) < len(options) or len(
            {o.en.strip().lower() for o in options}
        ) < len(options):
            raise SurveyError("options_repeated")
        spec = replace(spec, options=tuple(options))
    if spec.kind == "nps" and not spec.dimension:
        spec = replace(spec, dimension="nps")
    if spec.kind in MEASURED_KINDS and not (spec.dimension or "").strip():
        raise SurveyError("dimension_missing")
    return spec


# --- surveys ---------------------------------------------------------------------------------------


def create_survey(
    session: Session,
    product_id: int,
    name: str,
    questions: Sequence[QuestionSpec] = STANDARD,
    source: str | None = None,
) -> Survey:
    """A survey of the product with these questions (by default Rectify's standard questionnaire).

    Raises:
        SurveyError: codes name_empty, product_unknown, and those of :func:`check_spec`, code_taken.
    """
    name = name.strip()
    if not name:
        raise SurveyError("name_empty")
    if session.get(Product, product_id) is None:
        raise SurveyError("product_unknown")
    specs = [check_spec(q) for q in questions]
    codes = [q.code for q in specs]
    if len(set(codes)) < len(codes):
        raise SurveyError("code_taken", next(c for c in codes if codes.count(c) > 1))
    survey = Survey(product_id=product_id, name=name[:120], source=source)
    survey.questions = [Question(position=i, code=q.code, **_columns(q)) for i, q in enumerate(specs)]
    session.add(survey)
    session.flush()
    return survey


def create_survey_from_template(session: Session, product_id: int, name: str) -> Survey:
    """A survey with Rectify's standard questions, worded in Chinese and English.

    Raises:
        SurveyError: codes name_empty, product_unknown.
    """
    return create_survey(session, product_id, name, STANDARD)


def _survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise SurveyError("survey_unknown")
    return survey


def _question(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise SurveyError("question_unknown")
    return question


def answer_counts(session: Session, survey_id: int) -> dict[int, int]:
    """Answers stored per question id of the survey (questions without answers left out)."""
    rows = session.execute(
        select(Answer.question_id, func.count())
        .join(Question, Question.id == Answer.question_id)
        .where(Question.survey_id == survey_id)
        .group_by(Answer.question_id)
    ).all()
    return {int(q): int(n) for q, n in rows}


def _answered(session: Session, question_id: int) -> bool:
    return session.scalar(select(Answer.id).where(Answer.question_id == question_id).limit(1)) is not None


def free_code(session: Session, survey_id: int, wanted: str) -> str:
    """``wanted`` if no question of the survey has it yet, else ``wanted_2``, ``wanted_3``, ..."""
    taken = set(session.scalars(select(Question.code).where(Question.survey_id == survey_id)))
    base = wanted if _CODE.fullmatch(wanted) else "q"
    if base not in taken:
        return base
    n = 2
    while f"{base[:36]}_{n}" in taken:
        n += 1
    return f"{base[:36]}_{n}"


def add_question(session: Session, survey_id: int, spec: QuestionSpec) -> Question:
    """Add a question at the end of the survey.

    Raises:
        SurveyError: codes survey_unknown, code_taken, and those of :func:`check_spec`.
    """
    survey = _survey(session, survey_id)
    spec = check_spec(spec)
    if any(q.code == spec.code for q in survey.questions):
        raise SurveyError("code_taken", spec.code)
    position = max((q.position for q in survey.questions), default=-1) + 1
    question = Question(survey_id=survey_id, position=position, code=spec.code, **_columns(spec))
    session.add(question)
    session.flush()
    session.expire(survey, ["questions"])
    return question


def update_question(session: Session, question_id: int, spec: QuestionSpec) -> Question:
    """Change a question (its code stays). Once it has answers only ``required`` may change.

    Raises:
        SurveyError: codes question_unknown, question_frozen (answers exist and its meaning would change:
            make a new version instead), and those of :func:`check_spec`.
    """
    question = _question(session, question_id)
    spec = check_spec(replace(spec, code=question.code))
    columns = _columns(spec)
    changed = [c for c in _MEANING if getattr(question, c) != columns[c]]
    if changed and _answered(session, question_id):
        raise SurveyError("question_frozen", ", ".join(changed))
    for column, value in columns.items():
        setattr(question, column, value)
    session.flush()
    return question


def new_version(session: Session, question_id: int, spec: QuestionSpec) -> Question:
    """A new version of an answered question: the old one is hidden, the new one takes its place.

    Its answers so far keep meaning what was asked; the new version has a code of its own
    (``code_v2``...), so the two are never compared as one question.

    Raises:
        SurveyError: codes question_unknown, not_answered (nothing to keep: change it instead), and
            those of :func:`check_spec`.
    """
    old = _question(session, question_id)
    if not _answered(session, question_id):
        raise SurveyError("not_answered")
    version = old.version + 1
    root = re.sub(r"_v\d+$", "", old.code)
    code = free_code(session, old.survey_id, f"{root[:36]}_v{version}")
    spec = check_spec(replace(spec, code=code))
    old.hidden = True
    question = Question(
        survey_id=old.survey_id,
        position=old.position,
        code=code,
        version=version,
        replaces_id=old.id,
        **_columns(spec),
    )
    session.add(question)
    session.flush()
    return question


def remove_question(session: Session, question_id: int) -> str:
    """Remove a question: "deleted" when nobody answered it, else "hidden" (its answers stay).

    Raises:
        SurveyError: code question_unknown.
    """
    question = _question(session, question_id)
    if _answered(session, question_id):
        question.hidden = True
        session.flush()
        return "hidden"
    session.delete(question)
    session.flush()
    return "deleted"


def restore_question(session: Session, question_id: int) -> None:
    """Show a hidden question to respondents again.

    Raises:
        SurveyError: code question_unknown.
    """
    _question(session, question_id).hidden = False
    session.flush()


def move_question(session: Session, question_id: int, step: int) -> None:
    """Move a question up (step -1) or down (+1) among the survey's shown questions.

    Raises:
        SurveyError: code question_unknown.
    """
    question = _question(session, question_id)
    shown = list(
        session.scalars(
            select(Question)
            .where(Question.survey_id == question.survey_id, Question.hidden.is_(False))
            .order_by(Question.position, Question.id)
        )
    )
    i = next((k for k, q in enumerate(shown) if q.id == question_id), None)
    if i is None or not 0 <= i + step < len(shown):
        return
    shown[i], shown[i + step] = shown[i + step], shown[i]
    for position, q in enumerate(shown):
        q.position = position
    session.flush()


def reuse_survey(session: Session, survey_id: int, name: str) -> Survey:
    """A copy of the survey's shown questions for the follow-up, codes kept so the waves compare.

    Raises:
        SurveyError: codes survey_unknown, name_empty, survey_empty.
    """
    source = _survey(session, survey_id)
    specs = [spec_of(q) for q in source.questions if not q.hidden]
    if not specs:
        raise SurveyError("survey_empty")
    copy = create_survey(session, source.product_id, name, specs, source=source.source)
    copy.reused_from_id = source.id
    copy.families = dict(source.families) if source.families else None
    session.flush()
    return copy


def set_families(session: Session, survey_id: int, families: Mapping[str, str] | None) -> None:
    """Keep the team's test families (question code -> family name); None goes back to the default.

    Raises:
        SurveyError: code survey_unknown.
    """
    survey = _survey(session, survey_id)
    survey.families = (
        {str(k): str(v).strip() for k, v in families.items() if str(v).strip()} if families else None
    )
    session.flush()


def survey_families(session: Session, survey_ids: Sequence[int]) -> dict[str, str]:
    """The team's test families of these surveys, merged in order (a later survey's choice wins)."""
    merged: dict[str, str] = {}
    for survey_id in survey_ids:
        survey = session.get(Survey, survey_id)
        if survey is not None and survey.families:
            merged.update(survey.families)
    return merged


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
class StoredQuestion:
    """A question as the builder lists it: its record, id, version, whether hidden, answers so far."""

    id: int
    spec: QuestionSpec
    position: int
    version: int
    hidden: bool
    answers: int


@dataclass(frozen=True)
class Questionnaire:
    """What a respondent's link opens: the wave, its product and the shown questions in order."""

    wave_id: int
    wave_name: str
    is_open: bool
    product_name: str
    questions: tuple[QuestionSpec, ...]


def stored_questions(session: Session, survey_id: int) -> list[StoredQuestion]:
    """Every question of a survey, hidden ones too, in order, with its answer count."""
    counts = answer_counts(session, survey_id)
    query = select(Question).where(Question.survey_id == survey_id).order_by(Question.position, Question.id)
    return [
        StoredQuestion(q.id, spec_of(q), q.position, q.version, bool(q.hidden), counts.get(q.id, 0))
        for q in session.scalars(query)
    ]


def survey_questions(session: Session, survey_id: int, *, hidden: bool = False) -> tuple[QuestionSpec, ...]:
    """The questions of a survey in order, hidden ones only when asked (none for an unknown survey)."""
    query = select(Question).where(Question.survey_id == survey_id).order_by(Question.position, Question.id)
    if not hidden:
        query = query.where(Question.hidden.is_(False))
    return tuple(spec_of(q) for q in session.scalars(query))


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
    answers: Mapping[str, float | str | Sequence[int]],
    submitted_at: datetime | None = None,
    segment: str | None = None,
) -> Response:
    """Store one respondent's answers, keyed by question code (text answers must be redacted).

    A multiple-choice answer is the list of chosen option numbers (1-based); other kinds are numbers
    (single choice: the option number) or, for free text, the redacted text.
    """
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
        elif question.kind == "multi":
            picked = list(value) if isinstance(value, list | tuple | set) else [value]
            chosen = sorted({int(float(str(v))) for v in picked})
            response.answers.append(Answer(question_id=question.id, value_text=json.dumps(chosen)))
        elif isinstance(value, int | float | str):
            response.answers.append(Answer(question_id=question.id, value_num=float(value)))
        else:
            raise ValueError(f"answer to {code} is not a number")
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
    """Mean score per seed dimension (its 5-point scale questions) in the newest answered wave, or None."""
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
        select(Question.dimension, func.avg(Answer.value_num), func.count(Answer.id))
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.wave_id == wave.id, Question.dimension.in_(SEED_DIMENSIONS))
        .where(Question.kind == "scale", Question.points == 5, Answer.value_num.is_not(None))
        .group_by(Question.dimension)
    ).all()
    by_code = {code: DimensionScore(code, float(mean), int(n)) for code, mean, n in rows}
    respondents = session.scalar(
        select(func.count()).select_from(Response).where(Response.wave_id == wave.id)
    )
    return WaveSatisfaction(
        wave.name,
        wave.kind,
        int(respondents or 0),
        tuple(by_code[d] for d in SEED_DIMENSIONS if d in by_code),
    )

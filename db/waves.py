"""Read-only queries for the before/after comparison: waves, their answers, topics, feedback, items.

Every function takes the session first and returns plain values or tidy DataFrames, so the analysis
in ``analytics`` (``wave_compare``, ``topic_outcome``, ...) never touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.questions import QuestionSpec, option_code
from db.models import (
    Answer,
    Feedback,
    FeedbackTopic,
    Question,
    Response,
    Round,
    Survey,
    Topic,
    Wave,
)
from db.surveys import ANONYMOUS_KEY, spec_of
from db.topic_runs import TopicRunInfo

ANSWER_COLUMNS = ("wave", "respondent_key", "segment", "question", "kind", "value", "submitted_at")
FEEDBACK_COLUMNS = ("id", "created_at", "respondent_key", "channel", "category", "rating", "topic_key")


@dataclass(frozen=True)
class WaveInfo:
    """A survey wave with what the before/after page shows about it."""

    id: int
    name: str
    kind: str  # baseline, follow_up
    round_id: int
    round_name: str
    survey_id: int
    opens_on: date | None
    closes_on: date | None
    responses: int


def product_waves(session: Session, product_id: int, round_id: int | None = None) -> list[WaveInfo]:
    """The waves of a product's surveys (of one round when given), oldest first, with response counts."""
    counts = select(Response.wave_id, func.count().label("n")).group_by(Response.wave_id).subquery("counts")
    query = (
        select(Wave, Round.name, func.coalesce(counts.c.n, 0))
        .join(Survey, Survey.id == Wave.survey_id)
        .join(Round, Round.id == Wave.round_id)
        .outerjoin(counts, counts.c.wave_id == Wave.id)
        .where(Survey.product_id == product_id)
        .order_by(Wave.opens_on.asc().nulls_last(), Wave.id)
    )
    if round_id is not None:
        query = query.where(Wave.round_id == round_id)
    return [
        WaveInfo(w.id, w.name, w.kind, w.round_id, name, w.survey_id, w.opens_on, w.closes_on, int(n))
        for w, name, n in session.execute(query)
    ]


def wave_answers(session: Session, wave_ids: Sequence[int]) -> pd.DataFrame:
    """The answers of the waves to every question but free text, one row per answer.

    A multiple-choice answer becomes one row per option (``analytics.questions.option_code``) valued
    1 (chosen) or 0; imported answers without a respondent id (key ``anon-...``) have no key, so they
    are never paired.

    Returns:
        Columns wave (wave id), respondent_key, segment, question (code), kind
        (``QuestionSpec.frame_kind``: likert5, likert7, nps, yes_no, single, multi, number), value
        (float; NaN when skipped), submitted_at.
    """
    if not wave_ids:
        return pd.DataFrame(columns=list(ANSWER_COLUMNS))
    query = (
        select(
            Response.wave_id,
            Response.respondent_key,
            Response.segment,
            Question.code,
            Question.kind,
            Question.points,
            Question.options,
            Answer.value_num,
            Answer.value_text,
            Response.submitted_at,
        )
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Response.wave_id.in_(list(wave_ids)), Question.kind != "text")
        .order_by(Response.wave_id, Response.id, Question.position, Question.id)
    )
    rows: list[tuple[object, ...]] = []
    key: str | None
    for wave, key, segment, code, kind, points, options, number, text, at in session.execute(query):
        if isinstance(key, str) and key.startswith(ANONYMOUS_KEY):
            key = None
        if kind == "multi":
            chosen = set(json.loads(text or "[]"))
            rows.extend(
                (wave, key, segment, option_code(code, i), "multi", float(i in chosen), at)
                for i in range(1, len(options or []) + 1)
            )
            continue
        frame_kind = f"likert{points or 5}" if kind == "scale" else kind
        rows.append((wave, key, segment, code, frame_kind, number, at))
    frame = pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame["wave"] = frame["wave"].astype("int64")
    return frame


def wave_questions(session: Session, wave_id: int) -> tuple[QuestionSpec, ...]:
    """Every question of the wave's survey (hidden ones too: earlier answers may be to them), in order."""
    query = (
        select(Question)
        .join(Wave, Wave.survey_id == Question.survey_id)
        .where(Wave.id == wave_id)
        .order_by(Question.position, Question.id)
    )
    return tuple(spec_of(q) for q in session.scalars(query))


def wave_survey(session: Session, wave_id: int) -> int | None:
    """The survey a wave runs, or None for an unknown wave."""
    return session.scalar(select(Wave.survey_id).where(Wave.id == wave_id))


def wave_segments(session: Session, wave_ids: Sequence[int]) -> list[str]:
    """The respondent segments present in the waves, sorted."""
    if not wave_ids:
        return []
    query = (
        select(Response.segment)
        .where(Response.wave_id.in_(list(wave_ids)), Response.segment.is_not(None))
        .distinct()
    )
    return sorted(str(s) for s in session.scalars(query) if s)


@dataclass(frozen=True)
class RoundInfo:
    """A round's name and dates, as the comparison proposes periods from them."""

    id: int
    name: str
    starts_on: date | None
    ends_on: date | None


def round_info(session: Session, round_id: int) -> RoundInfo | None:
    """The round's name and dates, or None when there is no such round."""
    rnd = session.get(Round, round_id)
    return None if rnd is None else RoundInfo(rnd.id, rnd.name, rnd.starts_on, rnd.ends_on)


def _utc(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    # SQLite keeps UTC wall times without an offset; an aware UTC value compares right on both backends.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def feedback_frame(
    session: Session,
    product_id: int,
    start: datetime | date,
    end: datetime | date,
    *,
    run_id: int | None = None,
    with_text: bool = False,
) -> pd.DataFrame:
    """Feedback of a product created in [start, end) (UTC), with its topic in run ``run_id``.

    Returns:
        Columns id, created_at (UTC), respondent_key, channel, category, rating, topic_key (None without a
        run or when the item has no topic), text when ``with_text``, and with a run in_run last: whether
        the run analysed the item (feedback that arrived after it did not).
    """
    columns = [
        Feedback.id,
        Feedback.created_at,
        Feedback.respondent_key,
        Feedback.channel,
        Feedback.category,
        Feedback.rating,
    ]
    if run_id is not None:
        query = (
            select(*columns, Topic.key, FeedbackTopic.feedback_id.is_not(None))
            .outerjoin(
                FeedbackTopic, (FeedbackTopic.feedback_id == Feedback.id) & (FeedbackTopic.run_id == run_id)
            )
            .outerjoin(Topic, Topic.id == FeedbackTopic.topic_id)
        )
    else:
        query = select(*columns)
    if with_text:
        query = query.add_columns(Feedback.text)
    query = query.where(
        Feedback.product_id == product_id,
        Feedback.created_at >= _utc(start),
        Feedback.created_at < _utc(end),
    ).order_by(Feedback.created_at, Feedback.id)
    rows = session.execute(query).all()
    names = list(FEEDBACK_COLUMNS[:-1]) + (["topic_key", "in_run"] if run_id is not None else [])
    names += ["text"] if with_text else []
    frame = pd.DataFrame(rows, columns=names)
    if run_id is not None:  # kept last: callers index the other columns as before
        frame["in_run"] = frame.pop("in_run").astype(bool)
    if run_id is None:
        frame.insert(len(FEEDBACK_COLUMNS) - 1, "topic_key", pd.Series([None] * len(frame), dtype=object))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def has_categories(session: Session, product_id: int) -> bool:
    """Whether any feedback of the product has a category yet."""
    query = select(Feedback.id).where(Feedback.product_id == product_id, Feedback.category.is_not(None))
    return session.scalar(query.limit(1)) is not None


# --- a round's own topic data (the compared round, never another round's) --------------------------


@dataclass(frozen=True)
class NotCounted:
    """Feedback of a period that a round's topic comparison leaves out, by why.

    Attributes:
        later: of the compared round, stored at or after the topic run (the analysis has not seen it).
        other_rounds: of another round or of none (outside the compared round).
        left_out: of the compared round, stored before the run but not analysed by it.
    """

    later: int = 0
    other_rounds: int = 0
    left_out: int = 0


def round_topic_feedback(
    session: Session,
    product_id: int,
    round_id: int,
    run: TopicRunInfo,
    start: datetime | date,
    end: datetime | date,
    *,
    with_text: bool = False,
) -> tuple[pd.DataFrame, NotCounted]:
    """The feedback of [start, end) that a round's topic comparison counts, and what it leaves out.

    Counted: what ``run`` analysed, of the compared round: a run of the round counts everything it
    analysed, a run over all rounds only the round's items. The rest of the period is counted in
    :class:`NotCounted` by why, so that a sentence can say what its number is.

    Returns:
        The counted feedback (:func:`feedback_frame` columns with a run) and the counts left out.
    """
    frame = feedback_frame(session, product_id, start, end, run_id=run.id, with_text=with_text)
    scope = {
        int(i): (r, stored)
        for i, r, stored in session.execute(
            select(Feedback.id, Feedback.round_id, Feedback.stored_at).where(
                Feedback.product_id == product_id,
                Feedback.created_at >= _utc(start),
                Feedback.created_at < _utc(end),
            )
        ).all()
    }
    of_round = pd.Series([scope[int(i)][0] == round_id for i in frame["id"]], index=frame.index, dtype=bool)
    # A run of the round analysed only the round's items; one over all rounds counts the round's part.
    counted = frame["in_run"] & (of_round | (run.round_id == round_id))
    created = _utc(run.created_at)
    later = other = left_out = 0
    for i, in_round in zip(frame.loc[~counted, "id"], of_round[~counted], strict=True):
        stored = scope[int(i)][1]
        if not in_round:
            other += 1
        elif stored is not None and _utc(stored) >= created:
            later += 1
        else:
            left_out += 1
    return frame[counted].reset_index(drop=True), NotCounted(later, other, left_out)

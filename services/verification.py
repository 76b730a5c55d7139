"""Verifying a round: the before/after comparison's use cases, each over a session and plain arguments.

Which waves can be compared and which by default, the waves' answers (of one segment), a pain point's
share of feedback before vs after the fix with the satisfaction of those who wrote about it, the
material of the review deck, and the audit record of an export. The analysis itself is pure
(``analytics.wave_compare``, ``analytics.topic_outcome``); the queries are ``db.waves``'s.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from analytics.evidence import TopicEvidence
from analytics.questions import QuestionSpec
from analytics.topic_outcome import keyword_mask, topic_satisfaction, topic_share
from analytics.wave_compare import Comparison, compare_primary
from db import topic_runs
from db import waves as repo
from db.items import list_items
from db.surveys import survey_families
from db.topic_runs import TopicRunInfo
from db.users import audit

# --- the waves -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waves:
    """The waves a comparison can choose from.

    Attributes:
        waves: Oldest first, with response counts.
        segments: The respondent segments present in them, sorted.
        in_round: How many waves the selected round has, when it has fewer than two and the product's
            waves are offered instead; None otherwise.
    """

    waves: list[repo.WaveInfo]
    segments: list[str]
    in_round: int | None = None


def waves_to_compare(session: Session, product_id: int, round_id: int | None) -> Waves:
    """The waves of the selected round, or of the whole product when the round has fewer than two.

    Args:
        session: The database session.
        product_id: The product.
        round_id: The selected round, or None for all rounds.

    Returns:
        The waves and their segments.
    """
    waves = repo.product_waves(session, product_id, round_id)
    in_round = None
    if len(waves) < 2 and round_id is not None:
        in_round = len(waves)
        waves = repo.product_waves(session, product_id)
        if len(waves) < 2:
            in_round = None
    return Waves(waves, repo.wave_segments(session, [w.id for w in waves]), in_round)


def default_waves(waves: Sequence[repo.WaveInfo]) -> tuple[int, int]:
    """The waves compared by default: the newest follow-up with answers and the newest baseline before it.

    Args:
        waves: At least two waves, oldest first.

    Returns:
        (baseline id, follow-up id), two different waves.
    """
    answered = [w for w in waves if w.responses] or list(waves)
    follow = next((w for w in reversed(answered) if w.kind == "follow_up"), answered[-1])
    earlier = [
        w for w in answered if w.id != follow.id and (w.opens_on or date.min) <= (follow.opens_on or date.max)
    ]
    base = next(
        (w for w in reversed(earlier) if w.kind == "baseline"), earlier[-1] if earlier else answered[0]
    )
    if base.id == follow.id:
        base = next(w for w in waves if w.id != follow.id)
    return base.id, follow.id


def wave_answers(session: Session, wave_ids: Sequence[int], segment: str = "") -> pd.DataFrame:
    """The numeric answers of the waves, of one respondent segment ("" for all).

    Args:
        session: The database session.
        wave_ids: The waves.
        segment: The segment, or "" for every respondent.

    Returns:
        ``db.waves.wave_answers``' frame, filtered to the segment.
    """
    answers = repo.wave_answers(session, list(wave_ids))
    if segment:
        answers = answers[answers["segment"] == segment].reset_index(drop=True)
    return answers


@dataclass(frozen=True)
class Comparable:
    """The questions two waves can be compared on, and those they cannot.

    Attributes:
        questions: Asked the same way in both waves' surveys (same code, kind, scale and options), in
            the follow-up survey's order; free text left out.
        families: The team's test families of the two surveys (question code -> name; the follow-up's
            choice wins); questions not named keep their default family.
        asked_differently: Codes both surveys have but ask differently (e.g. a 5-point vs a 7-point
            scale, other options), with what differs.
        only_one: Codes only one of the two surveys asks (free text excepted).
    """

    questions: tuple[QuestionSpec, ...]
    families: dict[str, str]
    asked_differently: tuple[tuple[str, str], ...]
    only_one: tuple[str, ...]


def _differences(a: QuestionSpec, b: QuestionSpec) -> str:
    """What makes two questions of the same code not comparable ("" when nothing does)."""
    fields = ("kind", "points", "higher_is_better")
    different = [f for f in fields if getattr(a, f) != getattr(b, f)]
    if a.kind in ("single", "multi") and [o.en for o in a.options] != [o.en for o in b.options]:
        different.append("options")
    return ", ".join(different)


def comparable_questions(session: Session, baseline: int, follow_up: int) -> Comparable:
    """The questions the two waves can be compared on (their surveys may differ: a reused copy).

    Args:
        session: The database session.
        baseline: The baseline wave id.
        follow_up: The follow-up wave id.

    Returns:
        The comparable questions, the team's families, and what cannot be compared.
    """
    before = {q.code: q for q in repo.wave_questions(session, baseline) if q.kind != "text"}
    after = [q for q in repo.wave_questions(session, follow_up) if q.kind != "text"]
    questions, different = [], []
    for q in after:
        if q.code not in before:
            continue
        why = _differences(before[q.code], q)
        if why:
            different.append((q.code, why))
        else:
            questions.append(q)
    only = sorted(set(before) ^ {q.code for q in after})
    surveys = [s for s in (repo.wave_survey(session, baseline), repo.wave_survey(session, follow_up)) if s]
    return Comparable(tuple(questions), survey_families(session, surveys), tuple(different), tuple(only))


def compare(
    answers: pd.DataFrame,
    baseline: int,
    follow_up: int,
    questions: Sequence[QuestionSpec],
    families: dict[str, str],
) -> Comparison:
    """The primary comparison of two waves on the chosen questions, with its sensitivity check.

    The one place the before/after page and the overview compute a comparison, so both show the same
    figures and verdicts for the same waves.

    Args:
        answers: The two waves' answers (:func:`wave_answers`).
        baseline: The baseline wave id.
        follow_up: The follow-up wave id.
        questions: The questions compared (of :func:`comparable_questions`).
        families: The team's test families (question code -> name); those of other questions are ignored.

    Returns:
        ``analytics.wave_compare.compare_primary``'s comparison.
    """
    chosen = {q.code for q in questions}
    return compare_primary(
        answers,
        baseline=baseline,
        follow_up=follow_up,
        questions=tuple(questions),
        families={code: name for code, name in families.items() if code.split(":")[0] in chosen},
    )


@dataclass(frozen=True)
class WaveChange:
    """The default comparison of a scope: what the before/after page opens with.

    Attributes:
        baseline: The baseline wave.
        follow_up: The follow-up wave.
        comparison: Every question both waves ask the same way, compared for all respondents.
        in_round: How many waves the selected round has when it had fewer than two and the product's
            waves were compared instead; None when the round's own waves were compared.
    """

    baseline: repo.WaveInfo
    follow_up: repo.WaveInfo
    comparison: Comparison
    in_round: int | None = None


def default_change(session: Session, product_id: int, round_id: int | None) -> WaveChange | None:
    """The change between the default waves of the scope, on every comparable question.

    Args:
        session: The database session.
        product_id: The product.
        round_id: The selected round, or None for all rounds.

    Returns:
        The comparison, or None when there are not two waves or no question they share.
    """
    scope = waves_to_compare(session, product_id, round_id)
    waves = scope.waves
    if len(waves) < 2:
        return None
    base_id, follow_id = default_waves(waves)
    comparable = comparable_questions(session, base_id, follow_id)
    if not comparable.questions:
        return None
    by_id = {w.id: w for w in waves}
    answers = wave_answers(session, (base_id, follow_id))
    comparison = compare(answers, base_id, follow_id, comparable.questions, comparable.families)
    return WaveChange(by_id[base_id], by_id[follow_id], comparison, scope.in_round)


# --- a pain point before and after -----------------------------------------------------------------


@dataclass(frozen=True)
class TopicChoices:
    """What a pain point can be picked from, and the periods proposed.

    Attributes:
        run: The compared round's topic run (``db.waves.round_topic_run``), or None.
        topics: Its topics (``db.waves.round_topics``), largest first.
        categorised: Whether any feedback of the product has a category.
        periods: The proposed first day, fix date and end (exclusive) of the periods.
    """

    run: TopicRunInfo | None
    topics: pd.DataFrame
    categorised: bool
    periods: tuple[date, date, date]


def topic_choices(
    session: Session, product_id: int, base: repo.WaveInfo, follow: repo.WaveInfo, lang: str
) -> TopicChoices:
    """The compared round's pain points, whether categories exist, and the periods proposed.

    The pain points of the compared round (its own topic run, or the one over all rounds, never
    another round's), whether categories exist, and the periods proposed.

    Args:
        session: The database session.
        product_id: The product.
        base: The baseline wave.
        follow: The follow-up wave (its round is the compared one).
        lang: The language of the topic labels.

    Returns:
        The choices.
    """
    run, topics, _ = topic_runs.round_topics(session, product_id, follow.round_id, lang)
    periods = topic_periods(
        repo.round_info(session, follow.round_id), list_items(session, follow.round_id), base, follow
    )
    return TopicChoices(run, topics, repo.has_categories(session, product_id), periods)


def topic_periods(
    rnd: repo.RoundInfo | None, items: pd.DataFrame | None, base: repo.WaveInfo, follow: repo.WaveInfo
) -> tuple[date, date, date]:
    """The periods proposed for a pain point's before and after.

    Before starts with the round (or the baseline), the fix is the first item due within the periods
    (else halfway between the waves, or between the ends), after ends with the follow-up.

    Args:
        rnd: The compared round, or None.
        items: Its rectification items (``db.items.list_items``), or None.
        base: The baseline wave.
        follow: The follow-up wave.

    Returns:
        (first day, fix date, end).
    """
    first = (
        (rnd.starts_on if rnd and rnd.starts_on else None)
        or base.opens_on
        or date.today() - timedelta(days=90)
    )
    last = (
        follow.closes_on + timedelta(days=1)
        if follow.closes_on
        else (rnd.ends_on if rnd and rnd.ends_on else date.today())
    )
    due = [
        d
        for d in (items["due_on"] if items is not None and not items.empty else [])
        if d and first < d < last
    ]
    middle = first + (last - first) / 2
    if base.closes_on and follow.opens_on and base.closes_on < follow.opens_on:
        middle = base.closes_on + (follow.opens_on - base.closes_on) / 2
    return first, min(due) if due else middle, last


@dataclass(frozen=True)
class TopicOutcome:
    """A pain point before and after its fix.

    Attributes:
        evidence: Its share of the counted feedback before vs after, tested (``topic_share``).
        not_counted: Feedback of the periods the round's topic comparison leaves out, by why (topics only).
        mentioned: Respondents whose feedback is about it.
        answered: Of them, those who answered a compared wave.
        satisfaction: ``analytics.topic_outcome.topic_satisfaction``: those who mentioned it vs the others.
    """

    evidence: TopicEvidence
    not_counted: repo.NotCounted
    mentioned: int
    answered: int
    satisfaction: pd.DataFrame


def measure_topic(
    session: Session,
    *,
    product_id: int,
    round_id: int,
    run: TopicRunInfo | None,
    source: str,
    chosen: str,
    name: str,
    periods: tuple[date, date, date],
    answers: pd.DataFrame,
    baseline: Hashable,
    follow_up: Hashable,
    measure: str,
    paired: bool,
    question: QuestionSpec | None = None,
) -> TopicOutcome:
    """A pain point's share of feedback before vs after the fix, and the satisfaction of who wrote about it.

    A topic counts only the feedback the round's topic run analysed of the round
    (``db.waves.round_topic_feedback``); a category or keywords count all the product's feedback of
    the periods.

    Args:
        session: The database session.
        product_id: The product.
        round_id: The compared round.
        run: The round's topic run (needed for ``source`` "topic").
        source: "topic" (``chosen`` a topic key), "category" (a category) or "keywords" (a keyword list).
        chosen: The topic key, category or keywords.
        name: The pain point's display name, for the sentences.
        periods: (first day, fix date, end): before is [first, fix), after [fix, end).
        answers: The compared waves' answers.
        baseline: The baseline wave id.
        follow_up: The follow-up wave id.
        measure: The satisfaction question compared.
        question: That question as the survey asks it (a survey's own question), or None for a fixed
            measure.
        paired: The comparison's primary analysis (``analytics.pairing.Analysis.paired``).

    Returns:
        The outcome.
    """
    start, fix, end = periods
    left = repo.NotCounted()
    if source == "topic" and run is not None:
        feedback, left = repo.round_topic_feedback(session, product_id, round_id, run, start, end)
    else:
        feedback = repo.feedback_frame(session, product_id, start, end, with_text=source == "keywords")
    if source == "topic":
        mask = feedback["topic_key"] == chosen
    elif source == "category":
        mask = feedback["category"] == chosen
    else:
        mask = keyword_mask(feedback["text"], chosen)
    mask = mask.fillna(False).astype(bool)
    evidence = TopicEvidence.from_dict(
        topic_share(feedback, mask, before=(start, fix), after=(fix, end), topic=name)
    )
    mentioned = set(feedback.loc[mask, "respondent_key"].dropna())
    answered = mentioned & set(answers["respondent_key"].dropna())
    satisfaction = topic_satisfaction(
        answers,
        sorted(mentioned),
        baseline=baseline,
        follow_up=follow_up,
        measure=measure,
        question=question,
        paired=paired,
    )
    return TopicOutcome(evidence, left, len(mentioned), len(answered), satisfaction)


# --- the review deck and the audit log ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewMaterial:
    """What the review deck shows beside the comparison.

    Attributes:
        pain_points: The round's pain points (label, size, share of the analysed items), largest first;
            None without a topic run.
        analysed: How many of the round's items the topic run analysed.
        items: The round's rectification items (``db.items.list_items``).
    """

    pain_points: pd.DataFrame | None
    analysed: int
    items: pd.DataFrame


def review_material(session: Session, product_id: int, round_id: int, lang: str) -> ReviewMaterial:
    """The compared round's pain points, counted over the round's own analysed feedback, and its items.

    Args:
        session: The database session.
        product_id: The product.
        round_id: The compared round.
        lang: The language of the topic labels.

    Returns:
        The material.
    """
    run, topics, analysed = topic_runs.round_topics(session, product_id, round_id, lang)
    pain_points = None
    if run is not None and not topics.empty:
        pain_points = topics.assign(share=topics["size"] / max(analysed, 1))[["label", "size", "share"]]
    return ReviewMaterial(pain_points, analysed, list_items(session, round_id))


def record_export(session: Session, actor: str, kind: str, detail: dict[str, Any]) -> None:
    """Audit one download of the comparison.

    Args:
        session: The database session.
        actor: Who downloaded it.
        kind: The format ("csv", "xlsx", "pptx", "charts").
        detail: What was compared (product_id, round_id, baseline, follow_up, segment, lang, measures).
    """
    audit(session, actor, "export.before_after", "product", detail["product_id"], {**detail, "format": kind})

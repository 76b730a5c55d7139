"""Rectification items: the fixes a team commits to, from open to verified or carried over.

Rectification items: a fix the team commits to, opened from a pain point in a round, moved through
its statuses, backed by evidence, and carried over to the next round when it is not done.

    open -> in_progress -> resolved -> verified        (verified needs evidence that verifies it)
    any status but verified -> carried_over            (a copy opens in a later round)

Every measurement is kept (``item_evidence``); the item shows the newest. Whether a measurement
verifies the item is decided by :func:`analytics.evidence.judge`, against the item's current baseline
and target; a verified item whose newest completed test no longer verifies it is flagged.
Every change is audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import benchmark_evidence as bench_judging
from analytics import evidence as judging
from db.models import ITEM_STATUSES, ItemBenchmarkEvidence, ItemEvidence, RectificationItem, Round, Topic
from db.topic_runs import latest_topic_run, run_topics, surviving_key
from db.users import audit

ITEM_COLUMNS = (
    "id",
    "topic_key",
    "title",
    "owner",
    "metric",
    "baseline",
    "target",
    "due_on",
    "status",
    "created_at",
)
STATUSES = ITEM_STATUSES
ACTIVE = ("open", "in_progress")  # an item past its due date in these is overdue
WORKED_ON = ("open", "in_progress", "resolved")  # a topic has at most one such item per product
# Where a status may go by hand; carried_over only through carry_over(), which opens the copy.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "resolved"),
    "in_progress": ("open", "resolved"),
    "resolved": ("in_progress", "verified"),
    "verified": ("resolved",),
    "carried_over": (),
}


class ItemError(ValueError):
    """An item that cannot be stored; `code` names the reason (ui strings `items.error.<code>`).

    ``item_id`` names the item in the way, where there is one (the open item of the same topic).
    """

    def __init__(self, code: str, item_id: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.item_id = item_id


@dataclass(frozen=True)
class NewItem:
    """What a product manager fills in to open an item from a topic."""

    title: str
    topic_key: str | None = None
    owner: str | None = None
    metric: str | None = None
    baseline: float | None = None
    target: float | None = None
    due_on: date | None = None


def _text(value: str | None, limit: int) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise ItemError("too_long")
    return cleaned or None


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ItemError("bad_number")
    return number


def open_item(session: Session, round_id: int, item: NewItem, actor: str) -> RectificationItem:
    """Store a new item with status "open" in `round_id`, and audit it.

    Raises:
        ItemError: code "no_round" (the round does not exist), "title_empty", "too_long" (title over
            200 characters, owner or metric over 80), "bad_number" (baseline or target not finite),
            "duplicate_topic" (the topic already has an item that is being worked on in any round of
            the product, or any item in this round but one carried over; ``item_id`` names it).
    """
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise ItemError("no_round")
    fields = _fields(item)
    topic_key = _text(item.topic_key, 40)
    if topic_key is not None:
        _check_topic_free(session, rnd, topic_key)
    row = RectificationItem(round_id=round_id, topic_key=topic_key, status="open", **fields)
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "item.open",
        "rectification_item",
        row.id,
        {"round_id": round_id, "topic_key": row.topic_key, "title": row.title},
    )
    return row


def _check_topic_free(session: Session, rnd: Round, topic_key: str, but: int | None = None) -> None:
    """Refuse a second item for a topic: one per round, and one being worked on per product."""
    same_topic = (
        select(RectificationItem.id)
        .join(Round, Round.id == RectificationItem.round_id)
        .where(
            Round.product_id == rnd.product_id,
            RectificationItem.topic_key == topic_key,
            RectificationItem.status != "carried_over",
            (RectificationItem.round_id == rnd.id) | RectificationItem.status.in_(WORKED_ON),
        )
        .order_by(RectificationItem.id)
    )
    if but is not None:
        same_topic = same_topic.where(RectificationItem.id != but)
    taken = session.scalar(same_topic.limit(1))
    if taken is not None:
        raise ItemError("duplicate_topic", taken)


def link_topic(session: Session, item_id: int, topic_key: str | None, actor: str) -> bool:
    """Link an item to a topic (or unlink it with None), and audit it.

    Returns:
        Whether the link changed.

    Raises:
        ItemError: "no_item", "carried", "verified_link" (a verified item was verified on its topic:
            move it back to resolved first), "duplicate_topic" (as :func:`open_item`).
    """
    row = item_row(session, item_id)
    key = _text(topic_key, 40)
    if key == row.topic_key:
        return False
    if row.status == "carried_over":
        raise ItemError("carried")
    if row.status == "verified":
        raise ItemError("verified_link")
    if key is not None:
        rnd = session.get(Round, row.round_id)
        assert rnd is not None
        _check_topic_free(session, rnd, key, but=row.id)
    before, row.topic_key = row.topic_key, key
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(session, actor, "item.link_topic", "rectification_item", row.id, {"from": before, "to": key})
    return True


def _fields(item: NewItem) -> dict[str, Any]:
    """The editable fields of `item`, checked."""
    title = _text(item.title, 200)
    if title is None:
        raise ItemError("title_empty")
    return {
        "title": title,
        "owner": _text(item.owner, 80),
        "metric": _text(item.metric, 80),
        "baseline": _number(item.baseline),
        "target": _number(item.target),
        "due_on": item.due_on,
    }


def item_row(session: Session, item_id: int) -> RectificationItem:
    """The item, or ItemError("no_item")."""
    row = session.get(RectificationItem, item_id)
    if row is None:
        raise ItemError("no_item")
    return row


def update_item(session: Session, item_id: int, item: NewItem, actor: str) -> list[str]:
    """Replace the title, owner, metric, baseline, target and due date of an item (not its topic).

    Returns:
        The names of the fields that changed (audited; nothing is written when none did).

    Raises:
        ItemError: "no_item", "carried" (an item carried over is read-only: its copy lives on), and
            the codes of :func:`open_item` for the values.
    """
    row = item_row(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    fields = _fields(item)
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, fields[name])
        row.updated_at = datetime.now(UTC)
        session.flush()
        audit(session, actor, "item.update", "rectification_item", row.id, {"fields": changed})
    return changed


def set_status(session: Session, item_id: int, status: str, actor: str) -> RectificationItem:
    """Move an item to `status` along :data:`NEXT_STATUSES`, and audit it.

    Raises:
        ItemError: "no_item", "bad_status" (not a status, or carried_over: see :func:`carry_over`),
            "not_allowed" (not reachable from the current status), "needs_evidence" (verified without
            any measurement), or for verified the judgement of the newest measurement when it does not
            verify the item: "not_tested", "wrong_direction", "not_significant", "no_target",
            "target_missed" (:mod:`analytics.evidence`); "target_changed" when the target changed
            after the newest measurement (measure again). An item with a model metric
            (``bench_metric``) needs its newest benchmark measurement to verify it too
            (:func:`benchmark_judgement`: "benchmark_" and the judgement, or "benchmark_needs_evidence",
            "benchmark_target_changed"); the feedback measurement is then needed only when the item
            also has a feedback target.
    """
    row = item_row(session, item_id)
    if status not in STATUSES or status == "carried_over":
        raise ItemError("bad_status")
    if status == row.status:
        return row
    if status not in NEXT_STATUSES[row.status]:
        raise ItemError("not_allowed")
    if status == "verified" and row.bench_metric:
        judgement = benchmark_judgement(row, _benchmark_records(session, [row.id]).get(row.id, []))
        if judgement != judging.VERIFIES:
            raise ItemError(f"benchmark_{judgement}")
    if status == "verified" and (not row.bench_metric or row.target is not None):
        newest = _records(session, [row.id]).get(row.id, [])
        if not newest:
            raise ItemError("needs_evidence")
        result = judging.TopicEvidence.load(newest[-1].result)
        against = result.judged_against if result is not None else None
        if (against.target if against is not None else row.target) != row.target:
            raise ItemError("target_changed")  # judged against another target: measure again
        judgement = _judge(result, row.target)
        if judgement != judging.VERIFIES:
            raise ItemError(judgement)
    before = row.status
    row.status = status
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(session, actor, "item.status", "rectification_item", row.id, {"from": before, "to": status})
    return row


def attach_evidence(
    session: Session, item_id: int, evidence: judging.TopicEvidence | Mapping[str, Any], actor: str
) -> RectificationItem:
    """Record a measurement as the item's newest evidence (earlier ones are kept), and audit it.

    A mapping (what :func:`measure_topic_evidence` returns) is read as a
    :class:`analytics.evidence.TopicEvidence`. The record is stored as JSON
    (:meth:`~analytics.evidence.TopicEvidence.to_dict`): numbers that are not finite become null, tuples
    lists, NumPy values plain Python ones. The time, who attached it and its judgement against the
    item's baseline and target are added.

    Raises:
        ItemError: "no_item", "carried".
    """
    row = item_row(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    now = datetime.now(UTC)
    record = (
        evidence if isinstance(evidence, judging.TopicEvidence) else judging.TopicEvidence.from_dict(evidence)
    )
    record = replace(record, attached_at=now.replace(microsecond=0), attached_by=actor)
    record = replace(
        record,
        judgement=judging.judge(record, target=row.target),
        judged_against=judging.JudgedAgainst(row.baseline, row.target),
    )
    stored = json_safe(record.to_dict())
    session.add(
        ItemEvidence(
            item_id=row.id, measured_at=now, measured_by=actor, judgement=stored["judgement"], result=stored
        )
    )
    row.evidence = stored
    row.updated_at = now
    session.flush()
    keys = ("status", "topic_key", "diff", "p_val", "alpha", "judgement")
    audit(session, actor, "item.evidence", "rectification_item", row.id, {k: stored.get(k) for k in keys})
    return row


def evidence_history(session: Session, item_id: int) -> pd.DataFrame:
    """Every measurement of an item, oldest first, each judged when it was measured.

    Returns:
        Columns measured_at, measured_by, judgement, result (:class:`analytics.evidence.TopicEvidence`).
    """
    query = (
        select(
            ItemEvidence.measured_at, ItemEvidence.measured_by, ItemEvidence.judgement, ItemEvidence.result
        )
        .where(ItemEvidence.item_id == item_id)
        .order_by(ItemEvidence.measured_at, ItemEvidence.id)
    )
    history = pd.DataFrame(
        session.execute(query).all(), columns=["measured_at", "measured_by", "judgement", "result"]
    )
    history["result"] = pd.Series(
        [judging.TopicEvidence.load(r) for r in history["result"]], index=history.index, dtype=object
    )
    return history


def _records(session: Session, item_ids: list[int]) -> dict[int, list[ItemEvidence]]:
    """The measurements of these items, oldest first, by item."""
    by_item: dict[int, list[ItemEvidence]] = {}
    if not item_ids:
        return by_item
    query = (
        select(ItemEvidence)
        .where(ItemEvidence.item_id.in_(item_ids))
        .order_by(ItemEvidence.measured_at, ItemEvidence.id)
    )
    for record in session.scalars(query):
        by_item.setdefault(record.item_id, []).append(record)
    return by_item


def _benchmark_records(session: Session, item_ids: list[int]) -> dict[int, list[ItemBenchmarkEvidence]]:
    """The benchmark measurements of these items, oldest first, by item."""
    by_item: dict[int, list[ItemBenchmarkEvidence]] = {}
    if item_ids:
        query = (
            select(ItemBenchmarkEvidence)
            .where(ItemBenchmarkEvidence.item_id.in_(item_ids))
            .order_by(ItemBenchmarkEvidence.measured_at, ItemBenchmarkEvidence.id)
        )
        for record in session.scalars(query):
            by_item.setdefault(record.item_id, []).append(record)
    return by_item


def benchmark_judgement(row: Any, records: list[ItemBenchmarkEvidence]) -> str:
    """Whether an item's newest benchmark measurement verifies its model target, now.

    Args:
        row: The item (its ``bench_*`` fields).
        records: Its benchmark measurements, oldest first.

    Returns:
        ``analytics.evidence.VERIFIES`` or the judgement that stops it; "needs_evidence" without a
        measurement, "target_changed" when the metric, slice, target or direction changed since.
    """
    if not records:
        return "needs_evidence"
    newest = bench_judging.BenchmarkEvidence.from_dict(records[-1].result)
    direction = row.bench_direction or bench_judging.default_direction(str(row.bench_metric))
    measured = (
        newest.metric,
        newest.klass,
        newest.slice_column,
        newest.slice,
        newest.target,
        newest.direction,
    )
    now = (
        row.bench_metric,
        row.bench_class or "",
        row.bench_slice_column or "",
        row.bench_slice or "",
        row.bench_target,
        direction,
    )
    if measured != now:
        return "target_changed"
    return bench_judging.judge_benchmark(newest, target=row.bench_target, direction=direction)


def _judge(result: judging.TopicEvidence | None, target: float | None) -> str:
    return judging.judge(result or judging.TopicEvidence(), target=target)


def json_safe(value: Any) -> Any:
    """`value` as JSON both databases can hold: non-finite numbers null, NumPy values plain, dates ISO."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # a NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def carry_over(
    session: Session, item_id: int, to_round_id: int, actor: str, due_on: date | None = None
) -> RectificationItem:
    """Carry an unfinished item over to another round of the same product.

    The item keeps its record with status carried_over; a copy (title, topic, owner, metric, baseline,
    target; the new due date) opens in `to_round_id` with ``carried_from_id`` pointing back.

    Returns:
        The new item.

    Raises:
        ItemError: "no_item", "no_round", "same_round", "other_product", "earlier_round" (work moves
            forward: only into a round that starts later), "carried" (already carried over),
            "verified" (a verified fix needs no carrying), "duplicate_topic" (the other round already
            has an item for this topic).
    """
    row = item_row(session, item_id)
    if row.status == "carried_over":
        raise ItemError("carried")
    if row.status == "verified":
        raise ItemError("verified")
    target = session.get(Round, to_round_id)
    if target is None:
        raise ItemError("no_round")
    if target.id == row.round_id:
        raise ItemError("same_round")
    source = session.get(Round, row.round_id)
    if source is None or source.product_id != target.product_id:
        raise ItemError("other_product")
    if not is_later(target, source):
        raise ItemError("earlier_round")
    before = row.status
    row.status = "carried_over"  # first, so the copy does not count as a second item of the topic
    session.flush()
    try:
        copy = _open_copy(session, row, target.id, due_on, actor)
    except ItemError:
        row.status = before
        session.flush()
        raise
    copy.carried_from_id = row.id
    for name in BENCHMARK_FIELDS:  # the model target goes along
        setattr(copy, name, getattr(row, name))
    row.updated_at = datetime.now(UTC)
    session.flush()
    audit(
        session,
        actor,
        "item.carry_over",
        "rectification_item",
        row.id,
        {"from": before, "to_round_id": target.id, "new_item_id": copy.id},
    )
    return copy


def _open_copy(
    session: Session, row: RectificationItem, round_id: int, due_on: date | None, actor: str
) -> RectificationItem:
    return open_item(
        session,
        round_id,
        NewItem(
            title=row.title,
            topic_key=row.topic_key,
            owner=row.owner,
            metric=row.metric,
            baseline=row.baseline,
            target=row.target,
            due_on=due_on,
        ),
        actor,
    )


def is_later(rnd: Round, than: Round) -> bool:
    """Whether `rnd` comes after `than`: it starts later, or (without start dates) was created later."""
    if rnd.starts_on is not None and than.starts_on is not None and rnd.starts_on != than.starts_on:
        return rnd.starts_on > than.starts_on
    return rnd.id > than.id


def later_rounds(session: Session, round_id: int) -> list[Round]:
    """The later rounds of the same product, soonest first.

    The rounds of the same product that come after `round_id` (where its items may be carried),
    soonest first.
    """
    source = session.get(Round, round_id)
    if source is None:
        return []
    rounds = session.scalars(select(Round).where(Round.product_id == source.product_id))
    later = [r for r in rounds if r.id != source.id and is_later(r, source)]
    return sorted(later, key=lambda r: (r.starts_on or date.max, r.id))


BENCHMARK_FIELDS = (
    "bench_metric",
    "bench_class",
    "bench_slice_column",
    "bench_slice",
    "bench_baseline",
    "bench_target",
    "bench_direction",
)
LIST_COLUMNS = (
    *ITEM_COLUMNS,
    "round_id",
    "round_name",
    "carried_from_id",
    "evidence",
    "updated_at",
    *BENCHMARK_FIELDS,
)


def list_items(session: Session, round_id: int, lang: str | None = None) -> pd.DataFrame:
    """The items of a round, in the order they were opened.

    Returns:
        Columns id, topic_key, title, owner, metric, baseline, target, due_on, status, created_at,
        round_id, round_name, carried_from_id, evidence (the newest measurement:
        :class:`analytics.evidence.TopicEvidence` or None),
        updated_at, the model target (bench_metric, bench_class, bench_slice_column, bench_slice,
        bench_baseline, bench_target, bench_direction), and as :func:`judge_items` adds them:
        topic_label, judgement, evidence_count, verification_lost, benchmark_evidence,
        benchmark_judgement.
    """
    rnd = session.get(Round, round_id)
    frame = _items_frame(session, RectificationItem.round_id == round_id)
    return judge_items(session, frame, rnd.product_id if rnd is not None else None, lang)


def list_product_items(session: Session, product_id: int, lang: str | None = None) -> pd.DataFrame:
    """The items of every round of a product, newest round first; columns as :func:`list_items`."""
    return judge_items(session, _items_frame(session, Round.product_id == product_id), product_id, lang)


def _items_frame(session: Session, where: Any) -> pd.DataFrame:
    query = (
        select(
            *(getattr(RectificationItem, c) for c in ITEM_COLUMNS),
            RectificationItem.round_id,
            Round.name,
            RectificationItem.carried_from_id,
            RectificationItem.evidence,
            RectificationItem.updated_at,
            *(getattr(RectificationItem, c) for c in BENCHMARK_FIELDS),
        )
        .join(Round, Round.id == RectificationItem.round_id)
        .where(where)
        .order_by(Round.starts_on.desc().nulls_last(), Round.id.desc(), RectificationItem.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=list(LIST_COLUMNS))
    for column in ("baseline", "target", "bench_baseline", "bench_target"):
        frame[column] = frame[column].astype("float64")
    frame["evidence"] = pd.Series(
        [judging.TopicEvidence.load(e) for e in frame["evidence"]], index=frame.index, dtype=object
    )
    return frame


def judge_items(
    session: Session, items: pd.DataFrame, product_id: int | None, lang: str | None = None
) -> pd.DataFrame:
    """Add what the pages, the overview and the deck say about each item's topic and evidence.

    Returns:
        ``items`` with topic_label (the topic's name in the product's newest analysis, an analyst's
        name first; None without a topic or when the analysis no longer has it), judgement (of the
        newest measurement against the item's baseline and target; None without one), evidence_count,
        verification_lost (a verified item whose newest completed test does not verify it, or whose
        newest benchmark measurement no longer verifies its model target), benchmark_evidence (the
        newest benchmark measurement: :class:`analytics.benchmark_evidence.BenchmarkEvidence` or None)
        and benchmark_judgement (None without a model metric).
    """
    out = items.copy()
    names = topic_names(session, product_id, lang) if product_id is not None else {}
    out["topic_label"] = pd.Series(
        [names.get(k) if isinstance(k, str) else None for k in out["topic_key"]],
        index=out.index,
        dtype=object,
    )
    records = _records(session, [int(i) for i in out["id"]])
    bench_records = _benchmark_records(session, [int(i) for i in out["id"]])
    judgements, counts, lost, bench_newest, bench_judged = [], [], [], [], []
    for row in out.itertuples():
        kept_bench = bench_records.get(int(row.id), [])
        bench_newest.append(
            bench_judging.BenchmarkEvidence.from_dict(kept_bench[-1].result) if kept_bench else None
        )
        has_bench = isinstance(getattr(row, "bench_metric", None), str) and bool(row.bench_metric)
        bench_judged.append(benchmark_judgement(_BenchRow(row), kept_bench) if has_bench else None)
        kept = [judging.TopicEvidence.load(r.result) for r in records.get(int(row.id), [])]
        target = None if pd.isna(row.target) else float(row.target)
        judgements.append(_judge(kept[-1], target) if kept else None)
        counts.append(len(kept))
        tests = [r for r in kept if judging.is_completed_test(r)]
        topic_lost = (not has_bench or target is not None) and (
            not tests or _judge(tests[-1], target) != judging.VERIFIES
        )
        bench_lost = has_bench and bench_judged[-1] != judging.VERIFIES
        lost.append(row.status == "verified" and (topic_lost or bench_lost))
    out["judgement"] = pd.Series(judgements, index=out.index, dtype=object)
    out["evidence_count"] = pd.Series(counts, index=out.index, dtype="int64")
    out["verification_lost"] = pd.Series(lost, index=out.index, dtype=bool)
    out["benchmark_evidence"] = pd.Series(bench_newest, index=out.index, dtype=object)
    out["benchmark_judgement"] = pd.Series(bench_judged, index=out.index, dtype=object)
    return out


class _BenchRow:
    """An items frame's row read as an item's ``bench_*`` fields (NaN as None)."""

    def __init__(self, row: Any) -> None:
        for name in BENCHMARK_FIELDS:
            value = getattr(row, name, None)
            missing = value is None or (isinstance(value, float) and pd.isna(value))
            setattr(self, name, None if missing else value)


def topic_choices(session: Session, product_id: int, lang: str | None = None) -> list[tuple[str, str]]:
    """The topics an item can be linked to: (key, name), largest first.

    (key, name) of the live topics in the product's newest analysis, largest first: what an item
    can be linked to.
    """
    run = latest_topic_run(session, product_id)
    if run is None:
        return []
    topics = run_topics(session, run.id, lang)
    return [(str(k), str(v)) for k, v in zip(topics["key"], topics["label"], strict=True)]


def topic_names(session: Session, product_id: int, lang: str | None = None) -> dict[str, str]:
    """Topic key -> name in the product's newest analysis.

    Topic key -> name in the product's newest analysis (an analyst's name wins); a merged topic's
    key maps to the name of the topic it was merged into.
    """
    run = latest_topic_run(session, product_id)
    if run is None:
        return {}
    names = {
        str(k): str(v)
        for k, v in zip(*(run_topics(session, run.id, lang)[c] for c in ("key", "label")), strict=True)
    }
    merged = session.execute(
        select(Topic.key).where(Topic.run_id == run.id, Topic.merged_into.is_not(None))
    ).scalars()
    for key in merged:
        survivor = surviving_key(session, run.id, key)
        if survivor in names:
            names[key] = names[survivor]
    return names


@dataclass(frozen=True)
class ItemCounts:
    """What the overview and the items page count, from one place so the two never disagree.

    ``verified`` leaves out verified items whose verification no longer holds (counted in ``lost``).
    """

    total: int
    active: int  # open or in progress
    overdue: int
    resolved: int
    verified: int
    lost: int
    carried_over: int


def count_items(items: pd.DataFrame, today: date) -> ItemCounts:
    """Items by where they stand (a frame from :func:`list_items` or :func:`list_product_items`)."""
    counts = items["status"].value_counts()
    lost = int(items["verification_lost"].sum()) if len(items) else 0
    return ItemCounts(
        total=len(items),
        active=int(counts.get("open", 0) + counts.get("in_progress", 0)),
        overdue=int(overdue(items, today).sum()) if len(items) else 0,
        resolved=int(counts.get("resolved", 0)),
        verified=int(counts.get("verified", 0)) - lost,
        lost=lost,
        carried_over=int(counts.get("carried_over", 0)),
    )


def overdue(items: pd.DataFrame, today: date) -> pd.Series:
    """Which items are past their due date and still open or in progress."""
    due = pd.to_datetime(items["due_on"])
    return items["status"].isin(ACTIVE) & (due < pd.Timestamp(today))  # no due date: never overdue


def _renamed(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in names.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, Mapping):
        return {k: _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value


def rename_topic_in_evidence(session: Session, run_id: int, names: Mapping[str, str]) -> int:
    """Replace topic names (old -> new) in the measurements made on run `run_id`, kept and newest.

    A measurement stores the topic's name as it read then (in its fields and verdict sentences); when
    a topic's generated name is computed again (a respondent's data deleted), the copies follow.

    Returns:
        How many stored measurements changed.
    """
    changes = {old: new for old, new in names.items() if old and old != new}
    if not changes:
        return 0
    changed = 0
    for item in session.scalars(select(RectificationItem).where(RectificationItem.evidence.is_not(None))):
        if isinstance(item.evidence, Mapping) and item.evidence.get("run_id") == run_id:
            renamed = _renamed(item.evidence, changes)
            if renamed != item.evidence:
                item.evidence, changed = renamed, changed + 1
    for record in session.scalars(select(ItemEvidence)):
        if isinstance(record.result, Mapping) and record.result.get("run_id") == run_id:
            renamed = _renamed(record.result, changes)
            if renamed != record.result:
                record.result, changed = renamed, changed + 1
    return changed

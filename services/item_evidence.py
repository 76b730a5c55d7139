"""Evidence for a rectification item: did its topic's share of the feedback fall after the fix?

The measurement runs a statistical test on the stored feedback; db.items keeps the records and
analytics.evidence judges them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from analytics import evidence as judging
from analytics.topic_outcome import topic_share
from db.items import ItemError, item_row
from db.models import Round
from db.topic_runs import latest_topic_run, run_topics, surviving_key
from db.waves import feedback_frame


def measure_topic_evidence(
    session: Session,
    item_id: int,
    *,
    start: date,
    fix: date,
    end: date,
    lang: str = "en",
    alpha: float = judging.DEFAULT_ALPHA,
) -> dict[str, Any]:
    """The item's topic before vs after the fix: its share of the analysed feedback, tested.

    Uses the product's newest topic run (topic keys are stable across runs; a topic merged into
    another counts under the survivor). Only feedback that run analysed counts in either period, so
    items that arrived after it cannot make the topic look smaller.

    Returns:
        What :func:`analytics.topic_outcome.topic_share` returns, plus topic_key, run_id, period_start, fix_date,
        period_end, not_analysed (feedback in the periods the run did not cover) and alpha (the level
        ``significant`` is judged at).

    Raises:
        ItemError: "no_item", "no_topic" (an item opened without a topic), "no_run" (no topic run yet),
            "topic_gone" (the newest run does not have the topic), "bad_period" (not start < fix < end).
    """
    row = item_row(session, item_id)
    if not row.topic_key:
        raise ItemError("no_topic")
    if not start < fix < end:
        raise ItemError("bad_period")
    rnd = session.get(Round, row.round_id)
    assert rnd is not None
    run = latest_topic_run(session, rnd.product_id)
    if run is None:
        raise ItemError("no_run")
    key = surviving_key(session, run.id, row.topic_key)
    topics = run_topics(session, run.id, lang)
    if key is None or key not in set(topics["key"]):
        raise ItemError("topic_gone")
    label = str(topics.loc[topics["key"] == key, "label"].iloc[0])
    feedback = feedback_frame(session, rnd.product_id, start, end, run_id=run.id)
    analysed = feedback["in_run"]
    outcome = topic_share(
        feedback[analysed],
        feedback.loc[analysed, "topic_key"] == key,
        before=(start, fix),
        after=(fix, end),
        topic=label,
    )
    outcome["verdict"] = outcome[f"verdict_{lang}"] if lang in ("en", "zh") else outcome["verdict_en"]
    outcome.update(
        topic_key=key,
        run_id=run.id,
        period_start=start.isoformat(),
        fix_date=fix.isoformat(),
        period_end=end.isoformat(),
        not_analysed=int((~analysed).sum()),
        alpha=alpha,
    )
    if outcome["status"] == "ok":
        outcome["significant"] = bool(outcome["p_val"] < alpha)
    return outcome

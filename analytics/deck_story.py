"""What the review deck says in words: the headline slide and the one-line takeaway under each chart.

Only the result categories stored on the rows (``analytics.verdicts``) decide what is said: a
measure is called improved only when its result is "better" (a significant change for the better),
and every other measure is named with its own category: worse, changed (neither better nor
worse), no significant change, not tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.benchmark_evidence import BenchmarkEvidence
from analytics.benchmark_evidence import evidence_text as benchmark_text
from analytics.evidence import TopicEvidence, is_completed_test
from analytics.verdicts import RESULTS, figures

_WORDS: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "headline": ("结论摘要", "What the results say"),
    "improved": ("显著改善", "Improved"),
    "not_improved": ("未见改善", "Not improved"),
    "topics": ("已修复痛点的证据", "Evidence on the fixed pain points"),
    "none_improved": ("没有指标显著改善。", "No measure improved significantly."),
    "all_improved": ("所有指标均显著改善。", "Every measure improved significantly."),
    "no_topics": ("本轮没有已修复痛点的测量。", "No fixed pain point was measured in this round."),
    "unmeasured": ("尚无测量的整改项：{n} 个", "Rectification items not yet measured: {n}"),
    "significant": ("显著", "significant"),
    "not_significant": ("不显著", "not significant"),
    # A category's label in a list ("No significant change: Ease of use, Response speed").
    "better": ("显著提升", "Better"),
    "worse": ("显著下降", "Worse"),
    "changed": ("显著变化（无好坏之分）", "Changed (neither better nor worse)"),
    "unclear": ("无显著变化", "No significant change"),
    "not_tested": ("未检验", "Not tested"),
}


def words(key: str, lang: str, **values: object) -> str:
    """One of this module's phrases in ``lang``."""
    zh, en = _WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


OPTION = " — "  # between a multiple-choice question and its option in a row's label


def _join(labels: Sequence[str], lang: str) -> str:
    """Labels in a list; a question's options are listed once under the question.

    "Which features have you used? — Lab reports, Medication lookup" instead of the question's
    wording repeated before each option.
    """
    comma = "、" if lang == "zh" else ", "
    groups: dict[str, list[str]] = {}
    for label in labels:
        question, _, option = label.partition(OPTION)
        groups.setdefault(question if option else label, []).append(option)
    parts = [
        f"{question}{OPTION}{comma.join(options)}" if any(options) else question
        for question, options in groups.items()
    ]
    return (
        ("；" if lang == "zh" else "; ").join(parts) if any(OPTION in p for p in parts) else comma.join(parts)
    )


def _colon(lang: str, after: str = "") -> str:
    """A colon after a label; a question's own question mark is enough."""
    if after.endswith(("?", "？")):
        return "" if lang == "zh" else " "
    return "：" if lang == "zh" else ": "


def headline_rows(results: pd.DataFrame) -> pd.DataFrame:
    """The rows a headline speaks of: each measure once (a top-2-box share repeats its scale question)."""
    main = results[results["kind"] != "top2box"]
    return main if not main.empty else results


@dataclass(frozen=True)
class Headline:
    """The headline slide's three blocks, each a list of lines."""

    improved: list[str]
    not_improved: list[str]
    topics: list[str]


def headline(
    results: pd.DataFrame,
    lang: str,
    topic_outcomes: Sequence[TopicEvidence] = (),
    items: pd.DataFrame | None = None,
) -> Headline:
    """What improved, what did not, and what the evidence says about the fixed pain points.

    Args:
        results: The comparison's result rows (with ``result``).
        lang: "zh" or "en".
        topic_outcomes: Measurements of topics' shares before and after a fix.
        items: The round's rectification items (``db.items.list_items``), their evidence.

    Returns:
        The blocks' lines.
    """
    rows = headline_rows(results).to_dict("records")
    label = f"label_{'zh' if lang == 'zh' else 'en'}"
    better = [
        f"{r[label]}{_colon(lang, str(r[label]))}{figures(r, lang)}" for r in rows if r["result"] == "better"
    ]
    others = [
        f"{words(category, lang)}{_colon(lang)}{_join([str(r[label]) for r in rows if r['result'] == category], lang)}"
        for category in RESULTS[1:]
        if any(r["result"] == category for r in rows)
    ]
    topics = [o.sentence(lang) for o in topic_outcomes]
    topics += _item_lines(items, lang)
    return Headline(
        improved=better or [words("none_improved", lang)],
        not_improved=others or [words("all_improved", lang)],
        topics=topics or [words("no_topics", lang)],
    )


def _item_lines(items: pd.DataFrame | None, lang: str) -> list[str]:
    """Each measured item's evidence (significant or not, said either way), then how many have none."""
    if items is None or items.empty:
        return []
    lines, unmeasured = [], 0
    for item in items.to_dict("records"):
        evidence = item.get("evidence")
        model = item.get("benchmark_evidence")
        if isinstance(model, BenchmarkEvidence):  # the model metric moved, beside the users' share
            lines.append(
                f"{item['title']}：{benchmark_text(model, lang)}"
                if lang == "zh"
                else f"{item['title']}: {benchmark_text(model, lang)}"
            )
        if not isinstance(evidence, TopicEvidence) or not is_completed_test(evidence):
            unmeasured += 0 if isinstance(model, BenchmarkEvidence) else 1
            continue
        verdict = words("significant" if evidence.significant else "not_significant", lang)
        moved = f"{100 * evidence.share_before:.1f}% → {100 * evidence.share_after:.1f}%"
        lines.append(
            f"{item['title']}：{moved}（{verdict}）"
            if lang == "zh"
            else f"{item['title']}: {moved} ({verdict})"
        )
    if unmeasured:
        lines.append(words("unmeasured", lang, n=unmeasured))
    return lines


def summary(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The rows' labels grouped by result category, in one line: "Better: A, B; No significant change: C"."""
    label = f"label_{'zh' if lang == 'zh' else 'en'}"
    parts = [
        f"{words(category, lang)}{_colon(lang)}{_join([str(r[label]) for r in rows if r['result'] == category], lang)}"
        for category in RESULTS
        if any(r["result"] == category for r in rows)
    ]
    return ("；" if lang == "zh" else "; ").join(parts)


def takeaway(chart: str, results: pd.DataFrame, lang: str) -> str:
    """The one line under a chart of :func:`analytics.charts_verify.standard_charts`.

    Args:
        chart: The chart's name ("distribution", "means", "difference", "nps").
        results: The comparison's result rows.
        lang: "zh" or "en".

    Returns:
        The line: the scale questions' results by category, or the NPS verdict; "" for another chart.
    """
    if chart in ("distribution", "means", "difference"):
        return summary(results[results["kind"] == "likert"].to_dict("records"), lang)
    if chart == "nps":
        nps = results[results["kind"] == "nps"]
        return str(nps.iloc[0][f"verdict_{'zh' if lang == 'zh' else 'en'}"]) if not nps.empty else ""
    return ""

"""Did satisfaction change after the fixes? Before/after comparison of two survey waves, honestly.

:func:`compare_waves` tests every chosen measure (``analytics.measure_compare``: a rank test for Likert
items, a proportion test for the top-2-box share, a t-test with a bootstrap interval for NPS), adjusts
the p-values for testing several measures, puts the result category on every row
(``analytics.verdicts.result_of``: the one field every page, deck, chart and export reads) and words a
verdict in Chinese and English.

Pairing policy (``paired="auto"``, ``analytics.pairing``): respondents are matched across the waves by
their pseudonymous key; when enough answered both waves the paired test runs on them, the unmatched
ones are counted in the result (``pairing_en``) and kept in the all-respondent means
(``mean_before_all``, ``mean_after_all``), and the independent test on every answer is reported as a
sensitivity check (``sensitivity_p_val``), with a warning when the two disagree. ``paired=True`` or
``False`` forces one analysis.

One comparison, one set of numbers: :func:`compare_primary` applies the pairing rule once per comparison
(``analytics.pairing.choose_analysis``, respondents over the chosen measures), runs every measure with it,
gives the answers those tests use for the charts (``analytics.pairing.analysed_answers``), and puts the
other analysis beside each result as a sensitivity sentence, never in its place. Pages and exports use
it so that verdicts, charts, tables and files describe the same, labelled respondents.

Multiple comparisons: p-values are adjusted (Holm by default) within each kind of measure, i.e. the
Likert rank tests across the chosen dimensions form one family, the top-2-box tests another, and NPS
is a single test (``family="all"`` adjusts across every row instead).

Bad input never yields a p-value computed from nonsense: a measure without answers, with fewer than
``MIN_ANSWERS`` per wave, with answers on different scales, or where every answer in both waves is the
same value gets a row with ``status`` saying why, NaN p-values and a plain sentence.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analytics import stats
from analytics.measure_compare import compare_measure
from analytics.pairing import Analysis, Paired, analysed_answers, choose_analysis
from analytics.survey_answers import ALPHA, MEASURES, N_BOOT, SEED, check_answers
from analytics.verdicts import p_label, result_of, row_label, sensitivity_sentence, verdict_sentence

KINDS = ("likert", "nps", "top2box")  # row kinds, in the order rows are returned
STATUSES = ("ok", "no_data", "too_few", "no_variation", "scale_mismatch", "not_numeric", "error")

COLUMNS: tuple[str, ...] = (
    "measure",
    "kind",
    "label_en",
    "label_zh",
    "status",
    "analysis",
    "test",
    "statistic",
    "statistic_name",
    "p_val",
    "p_adj",
    "significant",
    "direction",
    "n_before",
    "n_after",
    "n_paired",
    "n_used",
    "mean_before",
    "mean_after",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "mean_before_all",
    "mean_after_all",
    "effect_size",
    "effect_size_kind",
    "es_ci_low",
    "es_ci_high",
    "detectable_change",
    "sensitivity_test",
    "sensitivity_p_val",
    "pairing_en",
    "pairing_zh",
    "warnings",
    "warnings_zh",
    "notes",
    "result",
    "verdict_en",
    "verdict_zh",
)


def compare_waves(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    adjust: str | None = "holm",
    paired: Paired = "auto",
    top_box: float | None = 4,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    alpha: float = ALPHA,
    confidence_level: float = 0.95,
    family: Literal["kind", "all"] = "kind",
) -> pd.DataFrame:
    """Compare a follow-up wave with its baseline, one row per measure, with a verdict in zh and en.

    Differences and effect sizes read "follow-up relative to baseline": positive means better after.

    Args:
        answers: One row per answer, columns ``wave`` (any id), ``respondent_key`` (pseudonymous; None
            for anonymous answers, which are never paired), ``question`` (code, e.g. "accuracy",
            "nps") and ``value``; optional ``kind`` ("likert5", "nps", "text"; inferred from the code
            when absent). Other columns are ignored; filter segments before calling.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: Question codes to compare, in the order wanted; "nps" gives the NPS row, every other
            code a Likert row (and a top-2-box row unless ``top_box`` is None).
        adjust: Multiple-comparison method of ``analytics.stats.adjust_pvalues`` ("holm", "hochberg",
            "bonferroni", "bh", "by"), or None for raw p-values.
        paired: "auto" (see the module docstring), True (matched respondents only) or False.
        top_box: Answers at or above this value count in the top box (4: "top-2-box" of 1-5); None
            leaves the top-2-box rows out.
        n_boot: Bootstrap resamples for the NPS interval.
        seed: Seed of the bootstrap, so the same data always gives the same interval.
        alpha: Significance level of ``significant`` and of the detectable change.
        confidence_level: Level of every interval.
        family: "kind" adjusts within each kind of row (Likert rows across the dimensions, top-2-box rows,
            NPS); "all" adjusts across every row.

    Returns:
        One row per measure and kind (Likert rows first, then NPS, then top-2-box), columns ``COLUMNS``:
        measure, kind ("likert", "nps", "top2box"), label_en, label_zh, status (``STATUSES``: "ok" or
        why no test ran), analysis ("paired" / "independent"), test, statistic, statistic_name (R's W, V,
        X-squared, t), p_val, p_adj, significant (p_adj < alpha), direction (+1 better, -1 worse, 0),
        n_before, n_after (answers per wave), n_paired (respondents in both), n_used (observations in the
        test), mean_before, mean_after (of the analysed answers: means on the scale, shares 0-1 for
        top2box, NPS in points), diff with diff_ci_low, diff_ci_high (t-based for Likert, Newcombe for
        shares, bootstrap for NPS), mean_before_all, mean_after_all (every answer), effect_size,
        effect_size_kind, es_ci_low, es_ci_high, detectable_change (smallest change on the diff's scale
        detectable with 80 % power at this n and the adjusted level; the top-2-box one treats the waves
        as independent), sensitivity_test, sensitivity_p_val (independent test on
        every answer when the main one is paired), pairing_en, pairing_zh, warnings, warnings_zh (tuples of
        caveats for the reader), notes (tuple of technical notes from the tests), result (the category
        every surface shows: ``analytics.verdicts.RESULTS``, decided by ``analytics.verdicts.result_of``),
        verdict_en, verdict_zh.

    Raises:
        ValueError: ``answers`` lacks a column, the two waves are the same, or an option is unknown.
    """
    if baseline == follow_up:
        raise ValueError("baseline and follow_up must be two different waves")
    if paired not in ("auto", True, False):
        raise ValueError("paired must be 'auto', True or False")
    if family not in ("kind", "all"):
        raise ValueError("family must be 'kind' or 'all'")
    if not 0 < confidence_level < 1 or not 0 < alpha < 1:
        raise ValueError("alpha and confidence_level must lie between 0 and 1")
    if adjust is not None:
        stats.adjust_pvalues([0.5], adjust)  # rejects an unknown method before any work
    if n_boot < 100:
        raise ValueError("n_boot must be at least 100")
    frame = check_answers(answers)
    codes = list(dict.fromkeys(dimensions))
    plan = [(c, "likert") for c in codes if c != "nps"]
    plan += [(c, "nps") for c in codes if c == "nps"]
    if top_box is not None:
        plan += [(c, "top2box") for c in codes if c != "nps"]
    family_sizes = {k: sum(1 for _, kk in plan if kk == k) for k in KINDS}
    rows: list[dict[str, Any]] = []
    for code, kind in plan:
        n_tests = len(plan) if family == "all" else family_sizes[kind]
        built = compare_measure(
            frame,
            code,
            kind,
            baseline=baseline,
            follow_up=follow_up,
            paired=paired,
            top_box=float(top_box) if top_box is not None else 4.0,
            n_boot=n_boot,
            seed=seed,
            level=confidence_level,
            alpha=alpha,
            n_tests=n_tests,
        )
        record: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
        record.update(
            measure=code,
            kind=kind,
            label_en=row_label(code, kind, top_box or 4, "en"),
            label_zh=row_label(code, kind, top_box or 4, "zh"),
            status=built.status,
            analysis="",
            test="",
            statistic_name="",
            effect_size_kind="",
            sensitivity_test="",
            pairing_en="",
            pairing_zh="",
            n_before=0,
            n_after=0,
            n_paired=0,
            n_used=0,
            direction=0.0,
        )
        record.update({k: v for k, v in built.values.items() if v is not None})
        for key in ("statistic", "es_ci_low", "es_ci_high", "diff_ci_low", "diff_ci_high", "effect_size"):
            if record[key] is None:
                record[key] = math.nan
        record["warnings"], record["warnings_zh"] = tuple(built.warnings), tuple(built.warnings_zh)
        record["notes"] = tuple(built.notes)
        record["_reason_en"], record["_reason_zh"] = built.reason_en, built.reason_zh
        record["_level"] = confidence_level
        if built.status != "ok":
            record["p_val"] = math.nan
        rows.append(record)
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    table["p_val"] = table["p_val"].astype(float)
    table["p_adj"] = table["p_val"]
    if adjust is not None:
        groups = [table.index] if family == "all" else [table.index[table["kind"] == k] for k in KINDS]
        for idx in groups:
            if len(idx):
                table.loc[idx, "p_adj"] = stats.adjust_pvalues(table.loc[idx, "p_val"].to_numpy(), adjust)
    table["significant"] = (table["p_adj"] < alpha).fillna(False).astype(bool)
    table["result"] = [
        result_of(str(s), bool(sig), float(d))
        for s, sig, d in zip(table["status"], table["significant"], table["direction"], strict=True)
    ]
    tested = table.groupby("kind")["p_val"].apply(lambda p: int(p.notna().sum())).to_dict()
    all_tested = int(table["p_val"].notna().sum())
    for lang in ("en", "zh"):
        table[f"verdict_{lang}"] = [
            verdict_sentence(
                r,
                float(top_box or 4),
                adjust,
                all_tested if family == "all" else tested.get(r["kind"], 1),
                lang,
            )
            for r in table.to_dict("records")
        ]
    hints = table.index[(table["p_val"] < alpha) & ~table["significant"]]
    for idx in hints:
        kind = table.at[idx, "kind"]
        m = all_tested if family == "all" else tested.get(kind, 1)
        table.at[idx, "warnings"] = (
            *table.at[idx, "warnings"],
            f"Significant on its own (p = {table.at[idx, 'p_val']:.3f}) but not after adjusting for the {m} "
            "measures tested together: treat it as a hint to check in the next wave, not as a finding.",
        )
        table.at[idx, "warnings_zh"] = (
            *table.at[idx, "warnings_zh"],
            f"单独看显著（p = {table.at[idx, 'p_val']:.3f}），但对同时检验的 {m} 个指标校正后不显著："
            "请视为需要在下一批次确认的线索，而不是结论。",
        )
    for idx in table.index[table["sensitivity_p_val"].notna()]:
        main, other = table.at[idx, "p_val"], table.at[idx, "sensitivity_p_val"]
        if (main < alpha) != (other < alpha):
            n_all = table.at[idx, "n_before"] + table.at[idx, "n_after"]
            table.at[idx, "warnings"] = (
                *table.at[idx, "warnings"],
                f"The paired test (p = {main:.3f}) and the independent test on all {n_all} answers "
                f"(p = {other:.3f}) disagree at the {alpha:.0%} level: the conclusion depends on who is compared.",
            )
            table.at[idx, "warnings_zh"] = (
                *table.at[idx, "warnings_zh"],
                f"配对检验（p = {main:.3f}）与全部 {n_all} 个回答的独立检验（p = {other:.3f}）在 {alpha:.0%} "
                "水平上结论不一致：结论取决于比较的人群。",
            )
    return table[list(COLUMNS)].reset_index(drop=True)


# --- the primary analysis and its sensitivity check ---------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A comparison as the page and the exports show it: one primary analysis, its sensitivity check.

    Attributes:
        analysis: Which respondents every figure describes (``analytics.pairing.choose_analysis``).
        results: :func:`compare_waves` of the primary analysis, its columns plus respondents_en,
            respondents_zh (the analysis label), sensitivity_before, sensitivity_after, sensitivity_diff,
            sensitivity_p_adj (the other analysis' figures; sensitivity_test and sensitivity_p_val hold
            its test and raw p) and sensitivity_en, sensitivity_zh (one sentence each).
        answers: ``analytics.pairing.analysed_answers``: the answers the primary tests use, for the charts.
    """

    analysis: Analysis
    results: pd.DataFrame
    answers: pd.DataFrame


def compare_primary(
    answers: pd.DataFrame,
    *,
    baseline: Hashable,
    follow_up: Hashable,
    dimensions: Sequence[str] = MEASURES,
    adjust: str | None = "holm",
    **options: Any,
) -> Comparison:
    """Compare two waves with the primary analysis and the other one as a sensitivity check.

    The primary analysis is ``analytics.pairing.choose_analysis``'s; the other one stands beside each
    result, never instead of it.

    Args:
        answers: The answers frame (as :func:`compare_waves`).
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: Question codes to compare, in the order wanted.
        adjust: Multiple-comparison method, or None.
        **options: Further options of :func:`compare_waves` (not ``paired``: the rule decides).

    Returns:
        The comparison: its analysis, results and the answers its tests use.
    """
    analysis = choose_analysis(answers, baseline=baseline, follow_up=follow_up, dimensions=dimensions)
    results, other = (
        compare_waves(
            answers,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=dimensions,
            adjust=adjust,
            paired=paired,
            **options,
        )
        for paired in (analysis.paired, not analysis.paired)
    )
    tested = other.groupby("kind")["p_val"].apply(lambda p: int(p.notna().sum())).to_dict()
    sentences: dict[str, list[str]] = {"en": [], "zh": []}
    for r, o in zip(results.to_dict("records"), other.to_dict("records"), strict=True):
        for lang in ("en", "zh"):
            p_name = p_label(adjust, tested.get(o["kind"], 1), lang)
            sentences[lang].append(sensitivity_sentence(r, o, analysis, p_name, lang))
    ok = other["status"] == "ok"
    results = results.assign(
        respondents_en=analysis.label("en"),
        respondents_zh=analysis.label("zh"),
        sensitivity_test=[
            f"{t} ({'paired' if analysis.paired is False else 'all answers'})" if t else ""
            for t in other["test"]
        ],
        sensitivity_p_val=other["p_val"].astype(float),
        sensitivity_p_adj=other["p_adj"].astype(float),
        sensitivity_before=other["mean_before"].where(ok).astype(float),
        sensitivity_after=other["mean_after"].where(ok).astype(float),
        sensitivity_diff=other["diff"].where(ok).astype(float),
        sensitivity_en=sentences["en"],
        sensitivity_zh=sentences["zh"],
    )
    shown = analysed_answers(answers, analysis, baseline=baseline, follow_up=follow_up, dimensions=dimensions)
    return Comparison(analysis, results, shown)

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

Multiple comparisons: p-values are adjusted (Holm by default) within each family of tests, named in
the ``family`` column. For the fixed measures the family is the row kind, i.e. the Likert rank tests
across the chosen dimensions form one family, the top-2-box tests another, and NPS is a single test
(``family="all"`` adjusts across every row instead). For a survey's own questions (``questions``)
scale questions of one dimension form a family, their top-box rows a parallel one, a multiple-choice
question's options one, and every other question its own; ``families`` overrides this per question
(``analytics.compare_plan``). A verdict's "Holm-adjusted p" counts the tests of its own family.

A survey's own questions are compared by kind (``analytics.compare_plan``, ``analytics.measure_compare``,
``analytics.choice_compare``): scale questions on their own 5 or 7 points, yes/no and multiple-choice
options as shares, single choice as a change of distribution (neither better nor worse, ``direction``
0), numbers by t-tests; free-text questions get no row. A question where lower is better
(``higher_is_better=False``) counts a significant fall as better.

Bad input never yields a p-value computed from nonsense: a measure without answers, with fewer than
``MIN_ANSWERS`` per wave, with answers on different scales, or where every answer in both waves is the
same value gets a row with ``status`` saying why, NaN p-values and a plain sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from analytics import stats
from analytics.compare_plan import KINDS, QUESTION_KINDS, plan_measures, plan_questions
from analytics.measure_compare import compare_measure
from analytics.pairing import Analysis, Paired, analysed_answers, choose_analysis
from analytics.questions import QuestionSpec
from analytics.survey_answers import ALPHA, MEASURES, N_BOOT, SEED, check_answers, frame_kinds, unanswered
from analytics.verdicts import p_label, result_of, sensitivity_sentence, verdict_sentence

__all__ = ["COLUMNS", "KINDS", "QUESTION_KINDS", "STATUSES", "Comparison", "compare_primary", "compare_waves"]

# "invalid_value": an answer a yes/no, choice or number question cannot have (a 3 to yes/no, option 5 of 4).
STATUSES = (
    "ok",
    "no_data",
    "too_few",
    "no_variation",
    "scale_mismatch",
    "invalid_value",
    "not_numeric",
    "error",
)

COLUMNS: tuple[str, ...] = (
    "measure",
    "question",
    "kind",
    "family",
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
    "higher_is_better",
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
    questions: Sequence[QuestionSpec] | None = None,
    families: Mapping[str, str] | None = None,
    require_answers: bool = False,
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

    Differences and effect sizes read "follow-up relative to baseline": positive means higher after
    (``direction`` says whether that is better).

    Args:
        answers: One row per answer, columns ``wave`` (any id), ``respondent_key`` (pseudonymous; None
            for anonymous answers, which are never paired), ``question`` (code, e.g. "accuracy",
            "nps"; a multiple-choice option's ``analytics.questions.option_code``) and ``value``;
            optional ``kind`` ("likert5", "likert7", "nps", "yes_no", "single", "multi", "number",
            "text"; when absent, the questions' kinds, else inferred from the code). Other columns are
            ignored; filter segments before calling.
        baseline: The ``wave`` value of the baseline.
        follow_up: The ``wave`` value of the follow-up.
        dimensions: Question codes to compare, in the order wanted; "nps" gives the NPS row, every other
            code a Likert row (and a top-2-box row unless ``top_box`` is None). Ignored when
            ``questions`` is given.
        questions: The survey's own questions to compare instead of ``dimensions``, rows in their order
            and by their kind (``analytics.compare_plan``); text questions get no row.
        families: With ``questions``: question code (or multi option code) -> family name, overriding
            the default families of the p-value adjustment.
        require_answers: Raise instead of returning a "no_data" row when a question (or measure) has no
            answer in either wave, for a command line that must refuse a misnamed question.
        adjust: Multiple-comparison method of ``analytics.stats.adjust_pvalues`` ("holm", "hochberg",
            "bonferroni", "bh", "by"), or None for raw p-values.
        paired: "auto" (see the module docstring), True (matched respondents only) or False.
        top_box: Answers at or above this value count in the top box (4: "top-2-box" of 1-5); None
            leaves the top-2-box rows out. With ``questions`` only None matters: a scale question's top
            box is its own top two points (>= 4 of 5, >= 6 of 7).
        n_boot: Bootstrap resamples for the NPS interval.
        seed: Seed of the bootstrap, so the same data always gives the same interval.
        alpha: Significance level of ``significant`` and of the detectable change.
        confidence_level: Level of every interval.
        family: "kind" adjusts within each family (for fixed measures each kind of row: Likert rows across
            the dimensions, top-2-box rows, NPS; for questions the default families); "all" adjusts
            across every row (except rows ``families`` names).

    Returns:
        One row per measure and kind (fixed measures: Likert rows first, then NPS, then top-2-box;
        questions: in their order, a scale question's top-box row after its rank row), columns
        ``COLUMNS``: measure and question (the answers-frame code; an option's code for a multi option),
        kind ("likert", "nps", "top2box"; for questions also "share", "choice", "number"), family (the
        adjustment family), label_en, label_zh, status (``STATUSES``: "ok" or why no test ran),
        analysis ("paired" / "independent"), test, statistic, statistic_name (R's W, V, X-squared, t),
        p_val, p_adj, significant (p_adj < alpha), direction (+1 better, -1 worse, 0 no change or no
        better/worse, as for single choice), higher_is_better, n_before, n_after (answers per wave),
        n_paired (respondents in both), n_used (observations in the test), mean_before, mean_after (of
        the analysed answers: means on the scale, shares 0-1 for top2box and share rows, NPS in points;
        NaN for choice rows), diff with diff_ci_low, diff_ci_high (t-based for Likert and numbers,
        Newcombe for shares, bootstrap for NPS), mean_before_all, mean_after_all (every answer),
        effect_size, effect_size_kind, es_ci_low, es_ci_high, detectable_change (smallest change on the
        diff's scale detectable with 80 % power at this n and the adjusted level; the top-2-box one
        treats the waves as independent), sensitivity_test, sensitivity_p_val (independent test on
        every answer when the main one is paired), pairing_en, pairing_zh, warnings, warnings_zh (tuples of
        caveats for the reader), notes (tuple of technical notes from the tests), result (the category
        every surface shows: ``analytics.verdicts.RESULTS``, decided by ``analytics.verdicts.result_of``),
        verdict_en, verdict_zh.

    Raises:
        ValueError: ``answers`` lacks a column, the two waves are the same, an option is unknown,
            ``families`` is given without ``questions`` or names a question not compared, or
            ``require_answers`` is set and a question has no answers ("question X has no answers in
            either wave").
    """
    if baseline == follow_up:
        raise ValueError("baseline and follow_up must be two different waves")
    if paired not in ("auto", True, False):
        raise ValueError("paired must be 'auto', True or False")
    if family not in ("kind", "all"):
        raise ValueError("family must be 'kind' or 'all'")
    if families is not None and questions is None:
        raise ValueError("families applies to questions only: pass questions as well")
    if not 0 < confidence_level < 1 or not 0 < alpha < 1:
        raise ValueError("alpha and confidence_level must lie between 0 and 1")
    if adjust is not None:
        stats.adjust_pvalues([0.5], adjust)  # rejects an unknown method before any work
    if n_boot < 100:
        raise ValueError("n_boot must be at least 100")
    if questions is None:
        plan = plan_measures(dimensions, top_box, family)
        frame = check_answers(answers)
    else:
        plan = plan_questions(questions, top_box=top_box is not None, families=families, family=family)
        frame = check_answers(answers, frame_kinds(questions))
    if require_answers:
        asked: Sequence[QuestionSpec | str] = list(questions) if questions is not None else list(dimensions)
        missing = unanswered(frame, asked, (baseline, follow_up))
        if missing:
            raise ValueError(f"question {', '.join(missing)} has no answers in either wave")
    family_sizes = Counter(p.family for p in plan)
    rows: list[dict[str, Any]] = []
    for planned in plan:
        built = compare_measure(
            frame,
            planned.code,
            planned.kind,
            baseline=baseline,
            follow_up=follow_up,
            paired=paired,
            top_box=planned.top_box,
            n_boot=n_boot,
            seed=seed,
            level=confidence_level,
            alpha=alpha,
            n_tests=family_sizes[planned.family],
            spec=planned.spec,
        )
        record: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
        record.update(
            measure=planned.code,
            question=planned.code,
            kind=planned.kind,
            family=planned.family,
            label_en=planned.label_en,
            label_zh=planned.label_zh,
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
            higher_is_better=planned.spec is None or planned.spec.higher_is_better,
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
        for _, idx in table.groupby("family", sort=False).groups.items():
            table.loc[idx, "p_adj"] = stats.adjust_pvalues(table.loc[idx, "p_val"].to_numpy(), adjust)
    table["significant"] = (table["p_adj"] < alpha).fillna(False).astype(bool)
    table["result"] = [
        result_of(str(s), bool(sig), float(d))
        for s, sig, d in zip(table["status"], table["significant"], table["direction"], strict=True)
    ]
    tested = _tested_per_family(table)
    for lang in ("en", "zh"):
        table[f"verdict_{lang}"] = [
            verdict_sentence(r, float(top_box or 4), adjust, tested[r["family"]], lang)
            for r in table.to_dict("records")
        ]
    hints = table.index[(table["p_val"] < alpha) & ~table["significant"]]
    for idx in hints:
        m = tested[table.at[idx, "family"]]
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


def _tested_per_family(table: pd.DataFrame) -> dict[str, int]:
    """How many rows of each family have a p-value (the size a p-value was adjusted for)."""
    return {str(k): int(v) for k, v in table.groupby("family")["p_val"].count().items()}


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
    questions: Sequence[QuestionSpec] | None = None,
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
        questions: The survey's own questions to compare instead of ``dimensions`` (as
            :func:`compare_waves`); the pairing rule then counts respondents over them.
        adjust: Multiple-comparison method, or None.
        **options: Further options of :func:`compare_waves`, e.g. ``families`` (not ``paired``: the
            rule decides).

    Returns:
        The comparison: its analysis, results and the answers its tests use.
    """
    analysis = choose_analysis(
        answers, baseline=baseline, follow_up=follow_up, dimensions=dimensions, questions=questions
    )
    results, other = (
        compare_waves(
            answers,
            baseline=baseline,
            follow_up=follow_up,
            dimensions=dimensions,
            questions=questions,
            adjust=adjust,
            paired=paired,
            **options,
        )
        for paired in (analysis.paired, not analysis.paired)
    )
    tested = _tested_per_family(other)
    sentences: dict[str, list[str]] = {"en": [], "zh": []}
    for r, o in zip(results.to_dict("records"), other.to_dict("records"), strict=True):
        for lang in ("en", "zh"):
            p_name = p_label(adjust, tested[o["family"]], lang)
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
    shown = analysed_answers(
        answers, analysis, baseline=baseline, follow_up=follow_up, dimensions=dimensions, questions=questions
    )
    return Comparison(analysis, results, shown)

"""Before/after on any question of a survey (analytics.wave_compare with ``questions``).

Expected values come from scipy and statsmodels called directly on hand-built tables, from an exact
enumeration written here, or from hand counts; never from the module's own output.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from scipy.special import comb
from statsmodels.stats.contingency_tables import SquareTable
from statsmodels.stats.multitest import multipletests

from analytics.compare_plan import result_names
from analytics.pairing import analysed_answers, choose_analysis
from analytics.questions import Option, QuestionSpec, option_code
from analytics.wave_compare import COLUMNS, compare_primary, compare_waves

SEVEN = QuestionSpec("trust7", "scale", "我信任它", "I trust it", points=7, dimension="trust")
FIVE = QuestionSpec("accuracy", "scale", "准确性如何", "How accurate?", points=5, dimension="accuracy")
YES_NO = QuestionSpec("resolved", "yes_no", "解决了吗", "Was it solved?", dimension="problem_resolution")
CHANNEL = QuestionSpec(
    "channel",
    "single",
    "渠道",
    "Which channel?",
    options=(Option("网页", "Web"), Option("应用", "App"), Option("电话", "Phone")),
)
FEATURES = QuestionSpec(
    "features",
    "multi",
    "功能",
    "Which features?",
    options=(Option("搜索", "Search"), Option("导出", "Export"), Option("分享", "Share")),
)
WAIT = QuestionSpec("wait", "number", "等待秒数", "Seconds waited?", higher_is_better=False)
COMMENT = QuestionSpec("comment", "text", "意见", "Anything else?", required=False)


def answers(
    code: str,
    before: Sequence[float],
    after: Sequence[float],
    *,
    paired: bool = False,
    kinds: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """One question's answers in waves 1 and 2; paired: respondent i answered both waves."""
    rows = []
    for wave, values in ((1, before), (2, after)):
        for i, value in enumerate(values):
            key = f"r{i}" if paired else f"w{wave}-{i}"
            row = {"wave": wave, "respondent_key": key, "question": code, "value": value}
            if kinds is not None:
                row["kind"] = kinds[wave - 1]
            rows.append(row)
    return pd.DataFrame(rows)


def row(result: pd.DataFrame, question: str, kind: str | None = None) -> pd.Series:
    hits = result[(result["question"] == question) & ((result["kind"] == kind) if kind else True)]
    assert len(hits) == 1, result[["question", "kind"]]
    return hits.iloc[0]


# --- scales of 5 and 7 points --------------------------------------------------------------------


def test_a_seven_point_question_is_compared_on_1_to_7_with_its_top_two_box():
    before = [3, 4, 5, 4, 3, 5, 4, 2, 3, 4] * 3
    after = [5, 6, 7, 6, 5, 7, 6, 4, 6, 7] * 3
    result = compare_waves(answers("trust7", before, after), baseline=1, follow_up=2, questions=[SEVEN])
    rank = row(result, "trust7", "likert")
    assert rank["status"] == "ok" and rank["test"].startswith("Mann-Whitney")
    expected = scipy.stats.mannwhitneyu(after, before, method="asymptotic")
    assert rank["p_val"] == pytest.approx(expected.pvalue)
    assert rank["label_en"] == "I trust it" and rank["label_zh"] == "我信任它"
    assert rank["verdict_en"].startswith("I trust it improved significantly: mean 3.70 → 5.90")
    assert "on the 1-7 scale" in rank["verdict_en"]
    box = row(result, "trust7", "top2box")
    assert box["label_en"] == "I trust it, share of answers ≥ 6" and box["family"] == "top2box:trust"
    assert (box["mean_before"], box["mean_after"]) == pytest.approx((0.0, 21 / 30))  # 6s and 7s only
    assert list(result["kind"]) == ["likert", "top2box"]  # the question's rows together


def test_an_8_on_a_seven_point_scale_and_a_6_on_a_five_point_one_are_refused():
    seven = compare_waves(
        answers("trust7", [3, 4, 5, 6, 7, 2], [1, 2, 3, 8, 7, 6]), baseline=1, follow_up=2, questions=[SEVEN]
    )
    rank = row(seven, "trust7", "likert")
    assert rank["status"] == "scale_mismatch" and "outside the whole numbers 1-7" in rank["verdict_en"]
    assert math.isnan(rank["p_val"]) and "1-7 整数" in rank["verdict_zh"]
    five = compare_waves(
        answers("accuracy", [3, 4, 5, 4, 2, 1], [1, 2, 3, 6, 5, 4]), baseline=1, follow_up=2, questions=[FIVE]
    )
    assert row(five, "accuracy", "likert")["status"] == "scale_mismatch"
    assert "outside the whole numbers 1-5" in row(five, "accuracy", "likert")["verdict_en"]


def test_a_five_point_version_and_a_seven_point_version_across_waves_are_not_compared():
    data = answers("trust7", [3, 4, 5, 4, 3, 2], [3, 4, 5, 4, 3, 2], kinds=("likert5", "likert7"))
    result = compare_waves(data, baseline=1, follow_up=2, questions=[SEVEN])
    rank = row(result, "trust7", "likert")
    assert rank["status"] == "scale_mismatch" and math.isnan(rank["p_adj"])
    assert (
        "5-point scale vs 7-point scale" in rank["verdict_en"]
        and "5 分量表 对 7 分量表" in rank["verdict_zh"]
    )
    # Both waves on 7 points while the question says 5: refused too, though every answer is <= 5.
    both7 = answers("accuracy", [3, 4, 5, 4, 3, 2], [3, 4, 5, 4, 3, 2], kinds=("likert7", "likert7"))
    rank = row(compare_waves(both7, baseline=1, follow_up=2, questions=[FIVE]), "accuracy", "likert")
    assert rank["status"] == "scale_mismatch" and "recorded as likert7" in rank["verdict_en"]


# --- yes / no ----------------------------------------------------------------------------------


def test_yes_no_compares_the_share_of_yes_with_partly_counting_as_not_yes():
    before = [1, 0, 0.5, 0, 1, 0, 0, 1, 0, 0.5] * 3  # 9 of 30 yes
    after = [1, 1, 1, 0, 1, 1, 0.5, 1, 1, 0] * 3  # 21 of 30 yes
    result = compare_waves(answers("resolved", before, after), baseline=1, follow_up=2, questions=[YES_NO])
    share = row(result, "resolved")
    assert share["kind"] == "share" and share["family"] == "yes_no:resolved"
    assert (share["mean_before"], share["mean_after"]) == pytest.approx((9 / 30, 21 / 30))
    expected = scipy.stats.chi2_contingency([[21, 9], [9, 21]], correction=False)
    assert share["p_val"] == pytest.approx(expected.pvalue) and share["result"] == "better"
    assert share["verdict_en"].startswith("Was it solved? improved significantly: 30% → 70% (+40 percentage")


def test_yes_no_of_the_same_respondents_uses_mcnemar():
    before = [0] * 12 + [1] * 10 + [0] * 8  # respondents 0-11 move from no to yes, 22-29 stay no
    after = [1] * 12 + [1] * 8 + [0] * 2 + [0] * 8  # 20-21 move from yes to no
    result = compare_waves(
        answers("resolved", before, after, paired=True), baseline=1, follow_up=2, questions=[YES_NO]
    )
    share = row(result, "resolved")
    assert share["analysis"] == "paired" and share["test"] == "McNemar's test (exact binomial)"
    assert share["p_val"] == pytest.approx(scipy.stats.binomtest(12, 14).pvalue)  # 12 vs 2 discordant
    assert share["diff"] == pytest.approx(10 / 30)


def test_an_answer_other_than_yes_partly_or_no_is_refused():
    result = compare_waves(
        answers("resolved", [1, 0, 1, 0, 1, 1], [1, 2, 1, 0, 1, 0]),
        baseline=1,
        follow_up=2,
        questions=[YES_NO],
    )
    share = row(result, "resolved")
    assert (
        share["status"] == "invalid_value" and math.isnan(share["p_val"]) and share["result"] == "not_tested"
    )
    assert "other than 1 (yes), 0.5 (partly) and 0 (no)" in share["verdict_en"] and share["verdict_zh"]


# --- multiple choice ------------------------------------------------------------------------------


def _multi_answers() -> pd.DataFrame:
    chosen_before = {1: [1, 0, 1, 1, 0, 1, 0, 1, 1, 0] * 3, 2: [0, 0, 0, 1, 0, 0, 0, 0, 1, 0] * 3}
    chosen_after = {1: [0, 0, 1, 0, 0, 1, 0, 0, 1, 0] * 3, 2: [1, 1, 0, 1, 1, 0, 1, 1, 0, 1] * 3}
    chosen_before[3] = chosen_after[3] = [i % 2 for i in range(30)]
    return pd.concat(
        answers(option_code("features", i), chosen_before[i], chosen_after[i]) for i in (1, 2, 3)
    ).assign(kind="multi")


def test_multiple_choice_gives_a_share_row_per_option_adjusted_within_the_question():
    result = compare_waves(_multi_answers(), baseline=1, follow_up=2, questions=[FEATURES, SEVEN])
    options = result[result["question"].str.startswith("features:")]
    assert list(options["question"]) == ["features:1", "features:2", "features:3"]
    assert set(options["family"]) == {"multi:features"} and set(options["kind"]) == {"share"}
    assert list(options["label_en"]) == [f"Which features? — {o}" for o in ("Search", "Export", "Share")]
    assert options.iloc[1]["label_zh"] == "功能 — 导出"
    raw = []
    for i, (b, a) in enumerate(((18, 9), (6, 21), (15, 15)), start=1):
        expected = scipy.stats.chi2_contingency([[a, 30 - a], [b, 30 - b]], correction=False).pvalue
        assert row(result, f"features:{i}")["p_val"] == pytest.approx(expected)
        raw.append(expected)
    holm = multipletests(raw, method="holm")[1]
    assert options["p_adj"].to_numpy() == pytest.approx(holm)
    assert options["p_adj"].iloc[0] > options["p_val"].iloc[0]  # adjusted within its own family of 3
    assert "Holm-adjusted p" in options.iloc[0]["verdict_en"]
    # Which options people tick is neither better nor worse: a significant rise is said, not judged.
    export = row(result, "features:2")
    assert export["significant"] and export["direction"] == 0 and export["result"] == "changed"
    assert "rose significantly (neither better nor worse)" in export["verdict_en"]


def test_families_override_changes_the_adjustment_and_its_label():
    data = _multi_answers()
    default = compare_waves(data, baseline=1, follow_up=2, questions=[FEATURES])
    split = compare_waves(
        data,
        baseline=1,
        follow_up=2,
        questions=[FEATURES],
        families={"features:1": "search alone"},
    )
    search = row(split, "features:1")
    assert search["family"] == "search alone" and search["p_adj"] == search["p_val"]
    assert search["p_adj"] < row(default, "features:1")["p_adj"]
    assert (
        "Holm-adjusted" not in search["verdict_en"]
        and "Holm-adjusted" in row(default, "features:1")["verdict_en"]
    )
    others = split[split["family"] == "multi:features"]
    assert others["p_adj"].to_numpy() == pytest.approx(multipletests(others["p_val"], method="holm")[1])
    with pytest.raises(ValueError, match="not compared"):
        compare_waves(data, baseline=1, follow_up=2, questions=[FEATURES], families={"nope": "x"})
    with pytest.raises(ValueError, match="questions"):
        compare_waves(data, baseline=1, follow_up=2, families={"accuracy": "x"})


def test_scale_questions_of_one_dimension_share_a_family_unless_told_otherwise():
    before, after = [3, 4, 3, 2, 4, 3, 3, 4] * 4, [4, 4, 3, 3, 5, 4, 3, 4] * 4
    data = pd.concat([answers("accuracy", before, after), answers("trust7", before, [a + 2 for a in after])])
    trust = replace(SEVEN, dimension="accuracy")
    same = compare_waves(data, baseline=1, follow_up=2, questions=[FIVE, trust], top_box=None)
    assert list(same["family"]) == ["scale:accuracy"] * 2
    assert same["p_adj"].to_numpy() == pytest.approx(multipletests(same["p_val"], method="holm")[1])
    apart = compare_waves(
        data, baseline=1, follow_up=2, questions=[FIVE, trust], top_box=None, families={"trust7": "trust"}
    )
    assert list(apart["family"]) == ["scale:accuracy", "trust"]
    assert (apart["p_adj"] == apart["p_val"]).all()
    assert same["p_adj"].iloc[1] == pytest.approx(2 * apart["p_adj"].iloc[1])  # Holm's smallest p, times 2


# --- single choice ---------------------------------------------------------------------------------


def test_single_choice_uses_pearson_chi_square_and_a_shift_is_neither_better_nor_worse():
    before = [1] * 18 + [2] * 6 + [3] * 6
    after = [1] * 3 + [2] * 18 + [3] * 9
    result = compare_waves(answers("channel", before, after), baseline=1, follow_up=2, questions=[CHANNEL])
    choice = row(result, "channel")
    table = [[3, 18, 9], [18, 6, 6]]
    expected = scipy.stats.chi2_contingency(table, correction=False)
    assert choice["test"] == "Pearson's chi-square test of independence"
    assert (choice["statistic"], choice["p_val"]) == pytest.approx((expected.statistic, expected.pvalue))
    assert choice["effect_size_kind"] == "Cramér's V"
    assert choice["effect_size"] == pytest.approx(scipy.stats.contingency.association(table, method="cramer"))
    assert choice["significant"] and choice["direction"] == 0 and choice["result"] == "changed"
    assert math.isnan(choice["diff"])
    assert "shifted significantly between the options (neither better nor worse)" in choice["verdict_en"]
    assert "“Web” 60% → 10%" in choice["verdict_en"] and "“网页” 60% → 10%" in choice["verdict_zh"]


def _ffh_exact(table: list[list[int]]) -> float:
    """Fisher-Freeman-Halton p of a 2 x k table by listing every first row with the same margins."""
    rows, cols = [sum(r) for r in table], [sum(c) for c in zip(*table, strict=True)]
    total = sum(rows)

    def prob(first: Sequence[int]) -> float:
        return float(
            np.prod([comb(c, a, exact=True) for c, a in zip(cols, first, strict=True)])
            / comb(total, rows[0], exact=True)
        )

    observed = prob(table[0])
    firsts = (f for f in itertools.product(*(range(c + 1) for c in cols)) if sum(f) == rows[0])
    return sum(p for p in map(prob, firsts) if p <= observed * (1 + 1e-7))


def test_single_choice_with_small_counts_uses_the_exact_fisher_freeman_halton_test():
    before = [1] * 6 + [2] * 1 + [3] * 1
    after = [1] * 1 + [2] * 5 + [3] * 2
    result = compare_waves(answers("channel", before, after), baseline=1, follow_up=2, questions=[CHANNEL])
    choice = row(result, "channel")
    assert choice["test"] == "Fisher's exact test"
    assert choice["p_val"] == pytest.approx(_ffh_exact([[1, 5, 2], [6, 1, 1]]), rel=1e-9)
    assert any("Fisher-Freeman-Halton" in n and "exact" in n for n in choice["notes"])


def test_single_choice_of_the_same_respondents_uses_stuart_maxwell():
    before = [1] * 10 + [2] * 10 + [3] * 10
    after = [1] * 4 + [2] * 6 + [2] * 8 + [3] * 2 + [3] * 7 + [1] * 3
    result = compare_waves(
        answers("channel", before, after, paired=True), baseline=1, follow_up=2, questions=[CHANNEL]
    )
    choice = row(result, "channel")
    assert choice["analysis"] == "paired" and choice["test"] == "Stuart-Maxwell test of marginal homogeneity"
    table = np.zeros((3, 3), dtype=int)
    for a, b in zip(after, before, strict=True):
        table[a - 1, b - 1] += 1
    expected = SquareTable(table, shift_zeros=False).homogeneity()
    assert (choice["statistic"], choice["p_val"]) == pytest.approx((expected.statistic, expected.pvalue))
    assert choice["sensitivity_test"].startswith("Pearson's chi-square")  # every answer, independent


def test_a_value_that_is_not_an_option_is_refused():
    result = compare_waves(
        answers("channel", [1, 2, 3, 1, 2, 3], [1, 4, 3, 1, 2, 3]),
        baseline=1,
        follow_up=2,
        questions=[CHANNEL],
    )
    choice = row(result, "channel")
    assert choice["status"] == "invalid_value" and math.isnan(choice["p_val"])
    assert "option numbers 1-3" in choice["verdict_en"] and "选项编号 1-3" in choice["verdict_zh"]


# --- numbers, and which way is better ------------------------------------------------------------------


def test_numbers_use_welch_and_a_significant_fall_is_better_when_lower_is_better():
    before = [12.0, 14.5, 11.0, 13.2, 15.1, 12.8, 10.9, 13.7, 14.2, 12.1] * 2
    after = [9.5, 10.1, 8.7, 11.2, 9.9, 10.4, 8.8, 9.7, 10.6, 9.1] * 2
    result = compare_waves(answers("wait", before, after), baseline=1, follow_up=2, questions=[WAIT])
    number = row(result, "wait")
    expected = scipy.stats.ttest_ind(after, before, equal_var=False)
    assert number["test"] == "Welch two-sample t-test" and number["effect_size_kind"] == "Hedges' g"
    assert (number["statistic"], number["p_val"]) == pytest.approx((expected.statistic, expected.pvalue))
    ci = expected.confidence_interval()
    assert (number["diff_ci_low"], number["diff_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert number["diff"] < 0 and number["direction"] == 1 and number["result"] == "better"
    assert not number["higher_is_better"]
    assert number["verdict_en"].startswith("Seconds waited? fell significantly (better): mean 12.95 → 9.80")
    assert number["verdict_zh"].startswith("等待秒数显著下降（改善）")
    worse = row(
        compare_waves(answers("wait", after, before), baseline=1, follow_up=2, questions=[WAIT]), "wait"
    )
    assert worse["direction"] == -1 and worse["result"] == "worse"
    assert "rose significantly (worse)" in worse["verdict_en"]


def test_numbers_of_the_same_respondents_use_the_paired_t_test():
    before = [float(v) for v in range(10, 40)]
    after = [v - 2 + (i % 3) for i, v in enumerate(before)]
    result = compare_waves(
        answers("wait", before, after, paired=True), baseline=1, follow_up=2, questions=[WAIT]
    )
    number = row(result, "wait")
    expected = scipy.stats.ttest_rel(after, before)
    assert number["test"] == "Paired t-test" and number["p_val"] == pytest.approx(expected.pvalue)
    assert number["effect_size_kind"].startswith("Cohen's d")


# --- what is left out, and what is refused ------------------------------------------------------------


def test_too_few_answers_and_a_question_without_answers_are_said_and_can_be_refused():
    data = answers("resolved", [1, 0, 1, 1], [1, 1, 0, 1, 1, 1])
    result = compare_waves(data, baseline=1, follow_up=2, questions=[YES_NO, CHANNEL, COMMENT])
    assert list(result["question"]) == ["resolved", "channel"]  # free text gets no row
    assert (
        row(result, "resolved")["status"] == "too_few"
        and "only 4 answer(s)" in row(result, "resolved")["verdict_en"]
    )
    assert row(result, "channel")["status"] == "no_data"
    with pytest.raises(ValueError, match="question channel has no answers in either wave"):
        compare_waves(data, baseline=1, follow_up=2, questions=[YES_NO, CHANNEL], require_answers=True)


def test_the_old_call_keeps_its_rows_and_names_its_families_by_kind():
    data = answers("accuracy", [3, 4, 2, 3, 5, 4, 3, 2], [4, 5, 5, 4, 3, 4, 5, 4])
    result = compare_waves(data, baseline=1, follow_up=2, dimensions=["accuracy", "nps"])
    assert tuple(result.columns) == COLUMNS
    assert list(result["kind"]) == list(result["family"]) == ["likert", "nps", "top2box"]
    assert list(result["question"]) == list(result["measure"]) and result["higher_is_better"].all()
    assert row(result, "accuracy", "likert")["label_en"] == "Accuracy"


# --- the primary analysis over questions -------------------------------------------------------------


def test_the_primary_analysis_counts_respondents_over_the_questions_and_their_options():
    data = pd.concat(
        [
            answers("resolved", [0] * 12 + [1] * 18, [1] * 25 + [0] * 5, paired=True),
            _multi_answers().assign(respondent_key=lambda f: "r" + f["respondent_key"].str.split("-").str[1]),
        ]
    ).reset_index(drop=True)
    analysis = choose_analysis(data, baseline=1, follow_up=2, questions=[YES_NO, FEATURES])
    assert analysis.paired and analysis.n_paired == 30
    comparison = compare_primary(data, baseline=1, follow_up=2, questions=[YES_NO, FEATURES, COMMENT])
    assert list(comparison.results["question"]) == ["resolved", "features:1", "features:2", "features:3"]
    assert comparison.results["sensitivity_en"].str.startswith("Sensitivity, all answers").all()
    shown = analysed_answers(data, analysis, baseline=1, follow_up=2, questions=[YES_NO, FEATURES])
    assert set(shown["question"]) == {"resolved", "features:1", "features:2", "features:3"}
    assert set(shown.loc[shown["question"] == "resolved", "kind"]) == {"yes_no"}


def test_a_question_is_named_by_its_dimension_only_when_it_alone_measures_that_seed_dimension():
    accuracy = QuestionSpec(
        "acc", "scale", "答案准确吗？", "Are the answers accurate?", points=5, dimension="accuracy"
    )
    trust = QuestionSpec("trust", "scale", "我信任它", "I trust it", points=5, dimension="accuracy")
    speed = QuestionSpec("speed", "scale", "快吗？", "Is it fast?", points=5, dimension="response_speed")
    own = QuestionSpec("fun", "scale", "有趣吗？", "Is it fun?", points=5, dimension="fun")
    names = result_names([accuracy, trust, speed, own])
    assert names == {
        "acc": ("Are the answers accurate?", "答案准确吗？"),  # two questions measure accuracy: their wording
        "trust": ("I trust it", "我信任它"),
        "speed": ("Response speed", "响应速度"),  # the one question of its dimension: the dimension
        "fun": ("Is it fun?", "有趣吗？"),  # a dimension the team named: the wording says more
    }

"""Weighted before/after: each wave weighted to the user list, beside the unweighted comparison.

Each wave's respondents found in the user list are weighted to it on their own (``analytics.weights``),
so both waves stand for the same population. Respondents not in the list (anonymous links, keys the list
lacks) have no weight: they are left out of the weighted figures and counted (``unweighted_before``,
``unweighted_after``).

Test: for a mean (scale, number) or a share (top-2-box, yes/no, a multiple-choice option), each wave's
weights are rescaled to sum to its Kish effective n, and statsmodels' ``CompareMeans`` of two
``DescrStatsW`` runs a Welch t-test with its confidence interval of the difference: the variance of a
weighted estimate is that of a simple random sample of the effective size. The weighted comparison is
always of two independent waves (paired respondents are not paired here), and its p-values are
Holm-adjusted within the unweighted comparison's families. NPS and single-choice rows are not weighted.

The unweighted verdict stays the primary one (the test the team planned, with pairing); the weighted one
answers "would the verdict hold had the respondents looked like the users?". When the two result
categories differ, ``disagreement_en`` / ``disagreement_zh`` say so in one sentence.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from analytics.verdicts import RESULTS, result_of
from analytics.weights import effective_n

ALPHA = 0.05
WEIGHTED_KINDS = ("likert", "top2box", "share", "number")
COLUMNS = (
    "measure",
    "weighted",
    "w_mean_before",
    "w_mean_after",
    "w_diff",
    "w_ci_low",
    "w_ci_high",
    "w_p_val",
    "w_p_adj",
    "w_result",
    "eff_n_before",
    "eff_n_after",
    "disagreement_en",
    "disagreement_zh",
)
_RESULT_WORDS = {
    "better": ("变好", "better"),
    "worse": ("变差", "worse"),
    "changed": ("有变化", "changed"),
    "unclear": ("无明确变化", "no clear change"),
    "not_tested": ("未检验", "not tested"),
}
assert set(_RESULT_WORDS) == set(RESULTS)


def _values(answers: pd.DataFrame, row: dict[str, object]) -> pd.Series:
    """A row's answers as numbers its figure averages: the answer, or 1/0 for in the box or not."""
    values = answers["value"].astype(float)
    if row["kind"] == "top2box":
        points = 7 if len(answers) and str(answers["kind"].iloc[0]) == "likert7" else 5
        return (values >= points - 1).astype(float)
    if row["kind"] == "share":
        return (values >= 1).astype(float)
    return values


def _side(answers: pd.DataFrame, weights: pd.Series, row: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    keyed = answers[answers["respondent_key"].isin(weights.index)].dropna(subset=["value"])
    x = _values(keyed, row).to_numpy(dtype=float) if len(keyed) else np.array([])
    w = weights.reindex(keyed["respondent_key"]).to_numpy(dtype=float)
    return x, w


def _scaled(w: np.ndarray) -> np.ndarray:
    """Weights summing to their effective n: DescrStatsW then treats the wave as that many answers."""
    scaled: np.ndarray = w * (effective_n(w) / float(w.sum()))
    return scaled


def weighted_rows(
    results: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    baseline: object,
    follow_up: object,
    weights_before: pd.Series,
    weights_after: pd.Series,
) -> pd.DataFrame:
    """Weighted figures and verdicts for the rows of an unweighted comparison.

    Args:
        results: The unweighted comparison (``analytics.wave_compare``): measure, question, kind,
            family, status, direction, higher_is_better, result, label_en, label_zh.
        answers: The answers frame (wave, respondent_key, question, kind, value).
        baseline: The baseline's ``wave`` value.
        follow_up: The follow-up's ``wave`` value.
        weights_before: Weight per respondent key of the baseline's respondents in the user list.
        weights_after: The same for the follow-up.

    Returns:
        One row per results row, columns :data:`COLUMNS`; ``weighted`` False where the row is not weighted
        (not tested unweighted, NPS, single choice, fewer than two weighted answers a wave).
    """
    out: list[dict[str, object]] = []
    for row in results.to_dict("records"):
        record: dict[str, object] = {c: math.nan for c in COLUMNS}
        record.update(measure=row["measure"], weighted=False, w_result="not_tested", disagreement_en="")
        record["disagreement_zh"] = ""
        of_question = answers[answers["question"] == row["question"]]
        if row["status"] == "ok" and row["kind"] in WEIGHTED_KINDS:
            x0, w0 = _side(of_question[of_question["wave"] == baseline], weights_before, row)
            x1, w1 = _side(of_question[of_question["wave"] == follow_up], weights_after, row)
            if len(x0) >= 2 and len(x1) >= 2:
                before, after = DescrStatsW(x0, weights=_scaled(w0)), DescrStatsW(x1, weights=_scaled(w1))
                compared = CompareMeans(after, before)
                _, p_val, _ = compared.ttest_ind(usevar="unequal")
                low, high = compared.tconfint_diff(alpha=ALPHA, usevar="unequal")
                record.update(
                    weighted=True,
                    w_mean_before=float(before.mean),
                    w_mean_after=float(after.mean),
                    w_diff=float(after.mean - before.mean),
                    w_ci_low=float(low),
                    w_ci_high=float(high),
                    w_p_val=float(p_val) if np.isfinite(p_val) else math.nan,
                    eff_n_before=effective_n(w0),
                    eff_n_after=effective_n(w1),
                )
        out.append(record)
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    families = results["family"].astype(str).to_numpy()
    for family in set(families):
        mask = (
            (families == family)
            & frame["weighted"].to_numpy(dtype=bool)
            & frame["w_p_val"].notna().to_numpy()
        )
        if mask.any():
            frame.loc[mask, "w_p_adj"] = multipletests(frame.loc[mask, "w_p_val"].to_numpy(), method="holm")[
                1
            ]
    for i, row in enumerate(results.to_dict("records")):
        if not frame.at[i, "weighted"]:
            continue
        adj = float(frame.at[i, "w_p_adj"])
        better = 1.0 if row.get("higher_is_better", True) in (True, 1, None) else -1.0
        direction = float(np.sign(frame.at[i, "w_diff"])) * better
        weighted = result_of("ok", bool(adj < ALPHA), direction)
        frame.at[i, "w_result"] = weighted
        if weighted != row["result"]:
            zh_w, en_w = _RESULT_WORDS[weighted]
            zh_u, en_u = _RESULT_WORDS[str(row["result"])]
            frame.at[i, "disagreement_en"] = (
                f"{row['label_en']}: weighted to the user list (the waves as independent groups, on their "
                f"effective n) the result is '{en_w}', unweighted it is '{en_u}'; who answered, or the "
                f"weighted test's smaller effective sample, may explain the difference."
            )
            frame.at[i, "disagreement_zh"] = (
                f"{row['label_zh']}：按用户名单加权后（两轮按独立样本、以有效样本量检验）结果为“{zh_w}”，"
                f"未加权为“{zh_u}”；差异可能来自答卷人的构成，或加权后有效样本量较小。"
            )
    return frame

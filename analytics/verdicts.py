"""The words of a before/after result, in Chinese and English.

The words of a before/after result: its category, the names of measures and tests, and the verdict
and sensitivity sentences in Chinese and English.

The result category (:data:`RESULTS`) is decided once, by :func:`result_of`, and stored on every
result row (``result``); the page, the deck, the charts and the exports read that field and never
decide again. The rule:

* ``not_tested``: no test ran (``status`` is not "ok": no data, too few answers, no variation, a scale
  mismatch, answers that are not numbers, an error);
* ``unclear``: tested, no significant change (the adjusted p-value is not below the level);
* ``changed``: a significant change that is neither better nor worse (``direction`` 0: which option
  of a single-choice question people choose shifted, or how many chose a multiple-choice option);
* ``better``: a significant change for the better (``direction`` > 0: up, or down for a question
  where lower is better);
* ``worse``: a significant change for the worse (``direction`` < 0).

A shift between options has a category of its own: calling it "better" or "worse" would be false,
"no significant change" would deny a test that found one, and "not_tested" would hide it. Its verdict
sentence says what happened, naming the option that moved most.

:data:`RESULT_TONES` and :data:`RESULT_COLOURS` say how each category looks wherever it is shown, so
the page's boxes, the deck's result cells and the charts' marks agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from analytics.pairing import Analysis

LABELS: dict[str, tuple[str, str]] = {  # code: (zh, en); the four dimensions match ui/strings/core.py
    "accuracy": ("准确性", "Accuracy"),
    "ease_of_use": ("易用性", "Ease of use"),
    "response_speed": ("响应速度", "Response speed"),
    "problem_resolution": ("问题解决", "Problem resolution"),
    "csat": ("总体满意度", "Overall satisfaction"),
    "nps": ("NPS 净推荐值", "NPS"),
}

Result = Literal["better", "worse", "changed", "unclear", "not_tested"]
RESULTS: tuple[Result, ...] = ("better", "worse", "changed", "unclear", "not_tested")
# How a category looks: the kind of message box (Streamlit's success / error / info / warning) ...
RESULT_TONES: dict[Result, str] = {
    "better": "success",
    "worse": "error",
    "changed": "info",
    "unclear": "info",
    "not_tested": "warning",
}
# ... and its colour in charts and the deck (green, red, grey, amber).
RESULT_COLOURS: dict[Result, str] = {
    "better": "#1e8449",
    "worse": "#c0392b",
    "changed": "#2e86c1",
    "unclear": "#7f8c8d",
    "not_tested": "#b9770e",
}

_TEST_EN = {
    "Mann-Whitney U (Wilcoxon rank-sum)": "Mann-Whitney U test",
    "Wilcoxon signed-rank (paired)": "Wilcoxon signed-rank test",
    "2-sample test for equality of proportions": "two-proportion test",
}
_TEST_ZH = {
    "Mann-Whitney U (Wilcoxon rank-sum)": "Mann-Whitney U 检验",
    "Wilcoxon signed-rank (paired)": "Wilcoxon 符号秩检验",
    "2-sample test for equality of proportions": "两样本比例检验",
    "Fisher's exact test": "Fisher 精确检验",
    "McNemar's test": "McNemar 检验",
    "McNemar's test (exact binomial)": "McNemar 检验（精确二项）",
    "Welch t-test on NPS scores": "NPS 得分的 Welch t 检验",
    "Paired t-test on NPS scores": "NPS 得分的配对 t 检验",
    "Welch two-sample t-test": "Welch 两样本 t 检验",
    "Paired t-test": "配对 t 检验",
    "Pearson's chi-square test of independence": "Pearson 卡方独立性检验",
    "Stuart-Maxwell test of marginal homogeneity": "Stuart-Maxwell 边际齐性检验",
}
_ADJUST_NAMES = {
    "holm": "Holm",
    "hochberg": "Hochberg",
    "bonferroni": "Bonferroni",
    "bh": "BH",
    "fdr": "BH",
    "by": "BY",
}
_WAVE_WORDS = {"before": ("基线", "baseline wave"), "after": ("复测", "follow-up wave")}


def result_of(status: str, significant: bool, direction: float) -> Result:
    """The result category of one row, by the rule of the module docstring.

    Args:
        status: The row's status ("ok" when a test ran).
        significant: Whether the adjusted p-value is below the level.
        direction: +1 better, -1 worse, 0 no change or none that is better or worse.

    Returns:
        One of :data:`RESULTS`.
    """
    if status != "ok":
        return "not_tested"
    if not significant:
        return "unclear"
    if direction == 0:
        return "changed"
    return "better" if direction > 0 else "worse"


def measure_label(code: str, lang: str = "en") -> str:
    """The measure's name in ``lang``.

    Args:
        code: The question code, e.g. "accuracy".
        lang: "zh" or "en".

    Returns:
        The name; unknown codes are returned as they are.
    """
    zh, en = LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


def test_name(test: str, lang: str = "en") -> str:
    """A test's name in ``lang``.

    Args:
        test: The name ``analytics.stats`` reports, e.g. "Wilcoxon signed-rank (paired)".
        lang: "zh" or "en".

    Returns:
        The name as a reader is shown it.
    """
    return _TEST_ZH.get(test, test) if lang == "zh" else _TEST_EN.get(test, test)


def row_label(code: str, kind: str, top_box: float, lang: str) -> str:
    """A result row's name: the measure's, with the top box for a top-2-box row.

    Args:
        code: The question code.
        kind: "likert", "nps" or "top2box".
        top_box: The lowest answer in the top box.
        lang: "zh" or "en".

    Returns:
        E.g. "Accuracy, share of answers ≥ 4".
    """
    name = measure_label(code, lang)
    if kind == "top2box":
        return (
            f"{name}（{top_box:g} 分及以上占比）"
            if lang == "zh"
            else f"{name}, share of answers ≥ {top_box:g}"
        )
    return name


# --- numbers in sentences --------------------------------------------------------------------------


def p_text(p: float) -> str:
    """A p-value after "p": "< 0.001", "= 0.004", "= 0.21"; "n/a" when not finite."""
    if not np.isfinite(p):
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def signed(x: float, digits: int = 2) -> str:
    """A number with its sign ("+0.52", "−1.62" with a true minus); "n/a" when not finite."""
    if not np.isfinite(x):
        return "n/a"
    x = round(float(x), digits) + 0.0  # a value that rounds to zero is 0, never "−0" or "+0"
    text = f"{x:+.{digits}f}" if x else f"{x:.{digits}f}"
    return text.replace("-", "\u2212") if text.startswith("-") else text


def plain(x: float, digits: int = 2) -> str:
    """A number with a true minus sign; "n/a" when not finite."""
    if not np.isfinite(x):
        return "n/a"
    x = round(float(x), digits) + 0.0  # a value that rounds to zero is 0, never "−0"
    return f"{x:.{digits}f}".replace("-", "\u2212")


def p_label(adjust: str | None, family_size: int, lang: str) -> str:
    """What the p-value is called: "p", or "Holm-adjusted p" when it was adjusted in a family of tests.

    Args:
        adjust: The adjustment method, or None.
        family_size: How many tests were adjusted together.
        lang: "zh" or "en".

    Returns:
        The name.
    """
    if adjust is None or family_size <= 1:
        return "p"
    name = _ADJUST_NAMES.get(adjust.lower(), adjust)
    return f"{name} 校正后 p" if lang == "zh" else f"{name}-adjusted p"


def wave_word(side: str, lang: str) -> str:
    """The name of a wave, "baseline wave" or "follow-up wave" (``side`` "before" or "after"), in ``lang``."""
    zh, en = _WAVE_WORDS[side]
    return zh if lang == "zh" else en


# --- sentences -----------------------------------------------------------------------------------


SHARE_KINDS = ("top2box", "share")  # row kinds whose figures are shares 0-1, shown as percentages


def change_words(
    significant: bool, direction: float, higher_is_better: bool, lang: str, diff: float = 0.0
) -> str:
    """How a result moved: "improved significantly", "fell significantly (better)", "no significant change".

    Args:
        significant: Whether the adjusted p-value is below the level.
        direction: +1 better, -1 worse, 0 none (a change of distribution).
        higher_is_better: Whether a rise is the improvement; when not, the words say which way it went
            and that this is better or worse.
        lang: "zh" or "en".
        diff: The change itself, to say "rose" or "fell" when it is neither better nor worse.

    Returns:
        The words.
    """
    zh = lang == "zh"
    if not significant:
        return "无显著变化" if zh else "no significant change"
    if direction == 0:
        way_zh, way_en = (
            ("上升", "rose") if diff > 0 else ("下降", "fell") if diff < 0 else ("变化", "changed")
        )
        return f"显著{way_zh}（无所谓好坏）" if zh else f"{way_en} significantly (neither better nor worse)"
    better = direction > 0
    if higher_is_better:
        if zh:
            return "显著提升" if better else "显著下降"
        return "improved significantly" if better else "declined significantly"
    if zh:
        return "显著下降（改善）" if better else "显著上升（变差）"
    return "fell significantly (better)" if better else "rose significantly (worse)"


def verdict_sentence(
    r: Mapping[str, Any], top_box: float, adjust: str | None, family_size: int, lang: str
) -> str:
    """One result row in a sentence: the change, its interval, the test, who, and the p-value.

    Args:
        r: A row of ``compare_waves`` under construction, with ``_reason_en``, ``_reason_zh`` (why no test
            ran) and ``_level`` (the confidence level); ``label_en`` / ``label_zh`` name the row (else the
            fixed measures' names), ``_scale`` ("1-7") the scale of a Likert row, ``_shift_en`` /
            ``_shift_zh`` the most moved option of a choice row.
        top_box: The lowest answer in the top box (for the fixed measures' names).
        adjust: The adjustment method, or None.
        family_size: How many tests were adjusted together.
        lang: "zh" or "en".

    Returns:
        The sentence.
    """
    zh = lang == "zh"
    label = str(r.get(f"label_{lang if zh else 'en'}") or row_label(r["measure"], r["kind"], top_box, lang))
    if zh and label and label[-1].isascii():
        label += " "  # a Latin name ("Accuracy of answers") set off from the Chinese verdict that follows
    status = r["status"]
    if status == "no_variation":
        reason = r["_reason_zh"] if zh else r["_reason_en"]
        return f"{label}：无变化——{reason}。" if zh else f"{label}: no change: {reason}."
    if status != "ok":
        reason = r["_reason_zh"] if zh else r["_reason_en"]
        return f"{label}：未检验——{reason}。" if zh else f"{label}: not tested: {reason}."
    kind = r["kind"]
    test = test_name(r["test"], lang)
    if r["analysis"] == "paired":
        n_text = f"{r['n_paired']} 名配对受访者" if zh else f"{r['n_paired']} paired respondents"
    else:
        n_text = (
            f"基线 {r['n_before']} 个、复测 {r['n_after']} 个回答"
            if zh
            else f"{r['n_before']} vs {r['n_after']} answers"
        )
    p = f"{p_label(adjust, family_size, lang)} {p_text(r['p_adj'])}"
    if kind == "choice":
        shift = str(r.get("_shift_zh" if zh else "_shift_en", ""))
        if r["significant"]:
            if zh:
                return f"{label}：各选项的选择比例显著变化（无所谓好坏），变化最大的是 {shift}；{test}，{n_text}，{p}。"
            return (
                f"{label}: the answers shifted significantly between the options (neither better nor worse); "
                f"largest shift {shift}; {test}, {n_text}, {p}."
            )
        if zh:
            return f"{label}无显著变化：变化最大的是 {shift}；{test}，{n_text}，{p}。"
        return f"{label}: no significant change: largest shift {shift}; {test}, {n_text}, {p}."
    share = kind in SHARE_KINDS
    pct = 100 if share else 1
    digits = 0 if share or kind == "nps" else 2
    before, after = plain(r["mean_before"] * pct, digits), plain(r["mean_after"] * pct, digits)
    diff = signed(r["diff"] * pct, digits)
    low, high = signed(r["diff_ci_low"] * pct, digits), signed(r["diff_ci_high"] * pct, digits)
    level = f"{round(r['_level'] * 100)}%"
    has_ci = bool(np.isfinite(r["diff_ci_low"]) and np.isfinite(r["diff_ci_high"]))
    if kind in ("likert", "number"):
        ci_zh, ci_en = f"{level} 置信区间 {low} 至 {high}", f"{level} CI {low} to {high}"
        unit_en = f" on the {r.get('_scale') or '1-5'} scale" if kind == "likert" else ""
        unit_zh, fmt = "", "{b} → {a}"
    elif share:
        ci_zh, ci_en = f"{level} 置信区间 {low} 至 {high}", f"{level} CI {low} to {high}"
        unit_zh, unit_en, fmt = " 个百分点", " percentage points", "{b}% → {a}%"
    else:
        ci_zh, ci_en = f"{level} 自助法置信区间 {low} 至 {high}", f"{level} bootstrap CI {low} to {high}"
        unit_zh, unit_en, fmt = " 分", " points", "{b} → {a}"
    if not has_ci:
        ci_zh, ci_en = "无法给出区间", "no interval available"
    moved = fmt.format(b=before, a=after)
    mean = kind in ("likert", "number")
    prefix = "均值 " if mean and zh else "mean " if mean else ""
    change = (
        f"{prefix}{moved}（{diff}{unit_zh}，{ci_zh}）"
        if zh
        else f"{prefix}{moved} ({diff}{unit_en}, {ci_en})"
    )
    hib = bool(r.get("higher_is_better", True))
    words = change_words(bool(r["significant"]), float(r["direction"]), hib, lang, float(r["diff"]))
    if r["significant"]:
        if zh:
            return f"{label}{words}：{change}；{test}，{n_text}，{p}。"
        return f"{label} {words}: {change}; {test}, {n_text}, {p}."
    if zh:
        return f"{label}无显著变化：{change}；{test}，{n_text}，{p}。"
    return f"{label}: no significant change: {change}; {test}, {n_text}, {p}."


def figures(r: Mapping[str, Any], lang: str) -> str:
    """A result's before and after: "mean 3.41 → 3.80", "41% → 55%" or "−3 → 13".

    Args:
        r: A result row (kind, mean_before, mean_after).
        lang: "zh" or "en".

    Returns:
        The figures ("the options chosen" for a single-choice row, which has no before and after figure).
    """
    if r["kind"] == "choice":
        return "各选项的选择比例" if lang == "zh" else "the options chosen"
    share = r["kind"] in SHARE_KINDS
    pct = 100 if share else 1
    digits = 0 if share or r["kind"] == "nps" else 2
    before, after = plain(r["mean_before"] * pct, digits), plain(r["mean_after"] * pct, digits)
    unit = "%" if share else ""
    prefix = ("均值 " if lang == "zh" else "mean ") if r["kind"] in ("likert", "number") else ""
    return f"{prefix}{before}{unit} → {after}{unit}"


def sensitivity_sentence(
    primary: Mapping[str, Any], other: Mapping[str, Any], analysis: Analysis, p_name: str, lang: str
) -> str:
    """The other analysis of a measure in one sentence, saying when it concludes differently.

    Args:
        primary: The primary analysis' row of the measure.
        other: The other analysis' row of the same measure.
        analysis: The primary analysis (its :meth:`Analysis.alternative_label` says who ``other`` describes).
        p_name: What the other analysis' p-value is called (:func:`p_label`).
        lang: "zh" or "en".

    Returns:
        The sentence.
    """
    zh = lang == "zh"
    who = analysis.alternative_label(lang)
    label = primary[f"label_{'zh' if zh else 'en'}"]
    if other["status"] != "ok":
        verdict = str(other[f"verdict_{'zh' if zh else 'en'}"])
        return f"敏感性分析（{who}）：{verdict}" if zh else f"Sensitivity, {who}: {verdict}"
    word = change_words(
        bool(other["significant"]),
        float(other["direction"]),
        bool(other.get("higher_is_better", True)),
        lang,
        float(other["diff"]) if other["kind"] != "choice" else 0.0,
    )
    moved = figures(other, lang)
    p = f"{p_name} {p_text(other['p_adj'])}"
    test = test_name(str(other["test"]), lang)
    agree = primary["status"] != "ok" or (
        bool(primary["significant"]) == bool(other["significant"])
        and (not primary["significant"] or primary["direction"] == other["direction"])
    )
    if zh:
        text = f"敏感性分析（{who}）：{label} {moved}，{test}，{p}，{word}。"
        return text if agree else text + "与主要结果不一致：结论取决于比较的人群。"
    text = f"Sensitivity, {who}: {label} {moved}, {test}, {p}: {word}."
    return (
        text
        if agree
        else text + " This differs from the primary result: the conclusion depends on who is compared."
    )

"""A model's benchmark before and after a fix, compared case by case: paired statistics per metric and slice.

One row per test case (case id, true label, the prediction before and after the fix; optional scores
for AUC, latencies in ms and slice columns such as edge-case tags, the topic key a case was written
for, the language)::

    python -m analytics.benchmark RESULTS.csv --label-column COL --before-column COL --after-column COL
        [--slice-column COL ...] [--id-column COL] [--score-before-column COL --score-after-column COL
        [--positive-label L]] [--latency-before-column COL --latency-after-column COL]
        [--resamples 2000] [--seed 0] [--lang en|zh] [--output OUT.csv] [--regressions REG.csv]

What is computed, for all cases and for every slice alike (:func:`compare`):

- accuracy, macro-F1, and per class precision, recall (sensitivity), specificity and F1, before and
  after. Proportions get Wilson intervals (``statsmodels`` ``proportion_confint``), F1 and macro-F1
  percentile intervals from the bootstrap below.
- the difference after - before with a **paired bootstrap** interval: the cases are resampled (seeded
  ``numpy`` Generator, :data:`RESAMPLES` by default) and each resample scores both models on the same
  cases. Every count metric depends on the cases only through how many fall in each (label, before,
  after) cell, so a resample is a multinomial draw of those cell counts: the same distribution as
  drawing cases with replacement, without building resampled arrays (``multinomial_resamples``).
- the test: McNemar's on the discordant cases for accuracy, for recall (the class's cases) and
  specificity (the other cases): the exact binomial test when fewer than 25 cases are discordant,
  otherwise the chi-square test with continuity correction as R's ``mcnemar.test``
  (:func:`analytics.stats.mcnemar`). Precision, F1 and macro-F1 have no McNemar form: their p-value is
  the paired bootstrap's (twice the smaller share of resampled differences on either side of 0).
- AUC (binary labels, with scores): DeLong's test for two correlated ROC curves, its intervals.
- latency median and 95th percentile before and after, with percentile bootstrap intervals and the
  paired bootstrap for the difference (cases resampled in chunks, both latencies of a case together).
- Holm's correction across the slices, per metric and class (the row for all cases is its own family).
- the regressions: cases right before the fix and wrong after it, listed by id, not only the net change.

Bad input is a :class:`BenchmarkError` with one line in English and Chinese: a missing column, columns of
different lengths (a blank where the label has a value), a prediction that is no label of the test
set, a constant label or score column, an empty slice column, a score that is not a number.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from analytics import stats
from analytics.benchmark_evidence import LATENCY_METRICS as LATENCY_METRICS
from analytics.benchmark_evidence import METRICS as METRICS
from analytics.benchmark_evidence import PROPORTION_METRICS as PROPORTION_METRICS
from analytics.benchmark_evidence import RESULT_COLUMNS
from analytics.benchmark_evidence import figure as figure
from analytics.benchmark_evidence import metric_name as metric_name
from analytics.importing import cell_text, read_table
from analytics.upload_limits import ImportProblem

RESAMPLES = 2000
SEED = 0
CONFIDENCE = 0.95
EXACT_BELOW = 25  # discordant cases under which McNemar's test is the exact binomial one
LATENCY_CHUNK_CELLS = 2_000_000  # drawn case indices held at once: 8 MB

CLASS_METRICS = ("precision", "recall", "specificity", "f1")  # one row per class
LOWER_IS_BETTER = frozenset(LATENCY_METRICS)

MCNEMAR = "McNemar's test"
DELONG = "DeLong's test for two correlated ROC curves"

Message = tuple[str, str]  # (en, zh)

_ERRORS: dict[str, Message] = {
    "missing_column": ("the file has no column '{column}'", "文件中没有“{column}”列"),
    "mismatched_lengths": (
        "columns of different lengths: '{column}' has {n} values, '{label}' has {n_label}"
        " (first blank at row {row})",
        "各列长度不一致：“{column}”有 {n} 个值，“{label}”有 {n_label} 个（第 {row} 行为空）",
    ),
    "unseen_label": (
        "'{column}' predicts '{value}' (row {row}), a label the true labels never have",
        "“{column}”预测了“{value}”（第 {row} 行），真实标签中没有这个标签",
    ),
    "constant_column": (
        "column '{column}' holds one value only ('{value}'): nothing to compare",
        "“{column}”列只有一个值（“{value}”），无法比较",
    ),
    "empty_slice": (
        "slice column '{column}' is empty: no case has a slice",
        "切片列“{column}”是空的：没有任何用例带切片",
    ),
    "not_a_number": (
        "'{column}' holds '{value}' at row {row}, not a number",
        "“{column}”第 {row} 行的“{value}”不是数字",
    ),
    "not_binary": (
        "AUC needs two labels; the true labels have {n}",
        "AUC 需要二分类标签，真实标签有 {n} 种",
    ),
    "positive_label": (
        "the positive label '{value}' is none of the labels ({labels})",
        "正类标签“{value}”不在标签中（{labels}）",
    ),
    "pair_columns": (
        "give both the before and the after column of {what}",
        "{what}需要同时给出修复前和修复后的列",
    ),
    "no_cases": ("the file has no test cases", "文件中没有测试用例"),
    "bad_file": ("the file cannot be read ({problem})", "无法读取文件（{problem}）"),
    "too_few_resamples": ("at least 100 resamples are needed", "重抽样次数至少为 100"),
}


class BenchmarkError(ValueError):
    """Benchmark results that cannot be compared; :meth:`message` says why in one line.

    Attributes:
        code: One of the keys of the messages (missing_column, mismatched_lengths, unseen_label,
            constant_column, empty_slice, not_a_number, not_binary, positive_label, pair_columns,
            no_cases, bad_file, too_few_resamples).
        values: What the message names (column, value, row, ...).
    """

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values

    def message(self, lang: str = "en") -> str:
        """The reason in one line, in ``lang`` ("zh" or "en")."""
        en, zh = _ERRORS.get(self.code, (self.code, self.code))
        text = zh if lang == "zh" else en
        try:
            return text.format(**self.values)
        except (KeyError, IndexError):
            return text

    def __str__(self) -> str:
        return self.message("en")


@dataclass(frozen=True)
class Columns:
    """Which of the file's columns hold what.

    Attributes:
        label: The true label.
        before: The prediction before the fix.
        after: The prediction after it.
        case_id: The case's id (None: the row number in the file).
        slices: Columns whose values group cases into slices (edge-case tag, topic key, language).
        score_before: The before model's score for the positive label (AUC; binary labels only).
        score_after: The after model's score.
        positive: The positive label for AUC (None: "1", "true", "yes" or "positive" if a label is one,
            else the second label in sorted order).
        latency_before: Latency of the case before the fix, in ms.
        latency_after: After the fix.
    """

    label: str
    before: str
    after: str
    case_id: str | None = None
    slices: tuple[str, ...] = ()
    score_before: str | None = None
    score_after: str | None = None
    positive: str | None = None
    latency_before: str | None = None
    latency_after: str | None = None


@dataclass(frozen=True)
class Cases:
    """Checked test cases, as arrays.

    Attributes:
        ids: Case ids (text).
        rows: Row numbers in the file (the header is row 1).
        classes: The labels, sorted.
        y: Index of each case's true label in ``classes``.
        before: Index of the before prediction.
        after: Index of the after prediction.
        slices: Slice column -> each case's slice ("" for none).
        scores: (before, after) scores, or None.
        positive: The positive label's index for AUC, or None.
        latency: (before, after) latencies in ms, or None.
    """

    ids: NDArray[np.object_]
    rows: NDArray[np.int64]
    classes: tuple[str, ...]
    y: NDArray[np.int64]
    before: NDArray[np.int64]
    after: NDArray[np.int64]
    slices: Mapping[str, NDArray[np.object_]] = field(default_factory=dict)
    scores: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    positive: int | None = None
    latency: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.y)


@dataclass(frozen=True)
class Comparison:
    """A benchmark before vs after a fix.

    Attributes:
        rows: One row per metric, class and slice; columns :data:`RESULT_COLUMNS` (proportions in 0-1,
            latencies in ms; ``slice`` is "" for all cases).
        regressions: Cases right before and wrong after: case_id, row, label, before, after and the
            slice columns.
        fixed: How many cases went from wrong to right.
        n: Number of cases.
        classes: The labels.
        resamples: Bootstrap resamples used.
        seed: The bootstrap's seed.
    """

    rows: pd.DataFrame
    regressions: pd.DataFrame
    fixed: int
    n: int
    classes: tuple[str, ...]
    resamples: int
    seed: int

    def row(self, metric: str, klass: str = "", slice_value: str = "") -> Mapping[str, Any] | None:
        """One result row (metric, class, slice), or None when there is none."""
        match = self.rows[
            (self.rows["metric"] == metric)
            & (self.rows["class"] == klass)
            & (self.rows["slice"] == slice_value)
        ]
        return None if match.empty else match.iloc[0].to_dict()


# --------------------------------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------------------------------


def read_results(data: bytes, filename: str) -> pd.DataFrame:
    """A results file (CSV, XLSX or JSONL) as a frame of text cells, blank cells "".

    Raises:
        BenchmarkError: "bad_file" naming the problem of :func:`analytics.importing.read_table`.
    """
    try:
        table = read_table(data, filename)
    except ImportProblem as problem:
        raise BenchmarkError("bad_file", problem=problem.code) from problem
    width = len(table.columns)
    cells = [[cell_text(v) for v in (list(r) + [""] * width)[:width]] for r in table.rows]
    frame = pd.DataFrame(cells, columns=table.columns, dtype=object)
    frame.index = pd.Index(table.row_numbers, name="row")
    return frame


def prepare(frame: pd.DataFrame, columns: Columns) -> Cases:
    """Check the results and turn them into :class:`Cases`.

    Rows blank in every named column are dropped. The row numbers are the frame's index when it is
    integer (``read_results``), else the position + 2.

    Raises:
        BenchmarkError: see the module's docstring.
    """
    named = [columns.label, columns.before, columns.after, *columns.slices]
    named += [c for c in (columns.case_id, columns.score_before, columns.score_after) if c]
    named += [c for c in (columns.latency_before, columns.latency_after) if c]
    named = list(dict.fromkeys(named))  # a column may serve twice (labels as predictions)
    for column in named:
        if column not in frame.columns:
            raise BenchmarkError("missing_column", column=column)
    for what, pair in (
        ("scores", (columns.score_before, columns.score_after)),
        ("latency", (columns.latency_before, columns.latency_after)),
    ):
        if (pair[0] is None) != (pair[1] is None):
            raise BenchmarkError("pair_columns", what=what)
    text = pd.DataFrame({c: _cleaned(frame[c]) for c in named}, index=frame.index)
    rows = (
        np.asarray(frame.index, dtype=np.int64)
        if pd.api.types.is_integer_dtype(frame.index)
        else np.arange(len(frame), dtype=np.int64) + 2
    )
    keep = (text != "").any(axis=1).to_numpy()
    text, rows = text[keep], rows[keep]
    if text.empty:
        raise BenchmarkError("no_cases")
    labels = text[columns.label].to_numpy(dtype=object)
    n_label = int((labels != "").sum())
    paired = [columns.label, columns.before, columns.after]
    paired += [c for c in (columns.score_before, columns.score_after) if c]
    paired += [c for c in (columns.latency_before, columns.latency_after) if c]
    for column in paired:
        values = text[column].to_numpy(dtype=object)
        blank = values == ""
        if blank.any():
            other = columns.before if column == columns.label else columns.label
            counts = int((~blank).sum()), int((text[other].to_numpy(dtype=object) != "").sum())
            raise BenchmarkError(
                "mismatched_lengths",
                column=column,
                n=counts[0],
                label=other,
                n_label=counts[1] if column == columns.label else n_label,
                row=int(rows[np.argmax(blank)]),
            )
    classes = tuple(sorted(set(labels)))
    if len(classes) < 2:
        raise BenchmarkError("constant_column", column=columns.label, value=classes[0])
    coded = {}
    for column in (columns.label, columns.before, columns.after):
        values = text[column].to_numpy(dtype=object)
        codes = pd.Index(classes).get_indexer(values).astype(np.int64)  # -1: no label of the test set
        if (codes < 0).any():
            first = int(np.argmax(codes < 0))
            raise BenchmarkError("unseen_label", column=column, value=values[first], row=int(rows[first]))
        coded[column] = codes
    slices: dict[str, NDArray[np.object_]] = {}
    for column in columns.slices:
        values = text[column].to_numpy(dtype=object)
        if (values == "").all():
            raise BenchmarkError("empty_slice", column=column)
        slices[column] = values
    scores: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    positive: int | None = None
    if columns.score_before and columns.score_after:
        if len(classes) != 2:
            raise BenchmarkError("not_binary", n=len(classes))
        positive = _positive(classes, columns.positive)
        score_columns = (columns.score_before, columns.score_after)
        numbers = [_numbers(text[c], c, rows) for c in score_columns]
        for column, got in zip(score_columns, numbers, strict=True):
            if np.all(got == got[0]):
                raise BenchmarkError("constant_column", column=column, value=f"{got[0]:g}")
        scores = (numbers[0], numbers[1])
    latency = None
    if columns.latency_before and columns.latency_after:
        latency = (
            _numbers(text[columns.latency_before], columns.latency_before, rows),
            _numbers(text[columns.latency_after], columns.latency_after, rows),
        )
    ids = (
        text[columns.case_id].to_numpy(dtype=object)
        if columns.case_id
        else np.array([str(r) for r in rows], dtype=object)
    )
    return Cases(
        ids=ids,
        rows=rows,
        classes=classes,
        y=coded[columns.label],
        before=coded[columns.before],
        after=coded[columns.after],
        slices=slices,
        scores=scores,
        positive=positive,
        latency=latency,
    )


def _cleaned(values: pd.Series) -> pd.Series:
    """Cells as stripped text, missing cells ""."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.astype(object)


def _positive(classes: tuple[str, ...], given: str | None) -> int:
    if given is not None:
        if given not in classes:
            raise BenchmarkError("positive_label", value=given, labels=", ".join(classes))
        return classes.index(given)
    for i, label in enumerate(classes):
        if label.lower() in ("1", "1.0", "true", "yes", "positive", "pos"):
            return i
    return 1


def _numbers(values: pd.Series, column: str, rows: NDArray[np.int64]) -> NDArray[np.float64]:
    numbers: NDArray[np.float64] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        first = int(np.argmax(bad))
        raise BenchmarkError("not_a_number", column=column, value=values.iloc[first], row=int(rows[first]))
    return numbers


# --------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------


def multinomial_resamples(
    cells: NDArray[np.int64], resamples: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Bootstrap resamples of cases that only matter through their cell, as counts per cell.

    Drawing n cases with replacement and counting them per cell is a multinomial draw with the cells'
    observed shares, so this is the case bootstrap of every statistic of the cell counts.

    Args:
        cells: Each case's cell (any integers).
        resamples: How many resamples.
        rng: The seeded generator.

    Returns:
        The distinct cells and a (resamples, cells) array of counts; each row sums to ``len(cells)``.
    """
    unique, counts = np.unique(cells, return_counts=True)
    draws = rng.multinomial(len(cells), counts / counts.sum(), size=resamples)
    return unique, draws.astype(np.int64)


@dataclass(frozen=True)
class _Counts:
    """Per-class counts of one model: true positives, predicted, and true, per class (last axis)."""

    tp: NDArray[np.float64]
    predicted: NDArray[np.float64]
    actual: NDArray[np.float64]
    n: NDArray[np.float64]


def _model_counts(weights: NDArray[Any], y: NDArray[np.int64], pred: NDArray[np.int64], k: int) -> _Counts:
    """Counts per class from per-cell weights (..., cells) and the cells' labels and predictions."""
    eye = np.eye(k)
    hit = eye[y] * (y == pred)[:, None]
    return _Counts(
        tp=weights @ hit,
        predicted=weights @ eye[pred],
        actual=weights @ eye[y],
        n=weights.sum(axis=-1)[..., None],
    )


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64], empty: float = np.nan) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), empty)


def _metrics(c: _Counts) -> dict[str, NDArray[np.float64]]:
    """Every count metric from per-class counts; per-class ones keep the class axis last.

    F1 of a class that is neither true nor predicted is 0 (sklearn's ``zero_division=0``), so
    macro-F1 averages over every class of the test set, as ``f1_score(labels=classes, average="macro")``.
    """
    negatives = c.n - c.actual
    f1 = _ratio(2 * c.tp, c.actual + c.predicted, empty=0.0)
    return {
        "accuracy": c.tp.sum(axis=-1) / c.n[..., 0],
        "macro_f1": f1.mean(axis=-1),
        "precision": _ratio(c.tp, c.predicted),
        "recall": _ratio(c.tp, c.actual),
        "specificity": _ratio(c.n - c.actual - c.predicted + c.tp, negatives),
        "f1": f1,
    }


def _percentile_ci(values: NDArray[np.float64], confidence: float) -> tuple[float, float]:
    """Percentile interval over the first axis, ignoring resamples where the statistic is undefined."""
    tail = 100 * (1 - confidence) / 2
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return np.nan, np.nan
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_p(diffs: NDArray[np.float64]) -> float:
    """Two-sided paired bootstrap p-value: twice the smaller share of differences on either side of 0.

    Counts (1 + resamples at or beyond 0) / (1 + resamples), so it is never 0.
    """
    finite = diffs[np.isfinite(diffs)]
    if finite.size == 0:
        return np.nan
    below = (1 + np.count_nonzero(finite <= 0)) / (1 + finite.size)
    above = (1 + np.count_nonzero(finite >= 0)) / (1 + finite.size)
    return float(min(1.0, 2 * min(below, above)))


def _wilson(successes: float, total: float, confidence: float) -> tuple[float, float]:
    if total <= 0:
        return np.nan, np.nan
    low, high = proportion_confint(successes, total, alpha=1 - confidence, method="wilson")
    return float(low), float(high)


def mcnemar_right_wrong(
    right_before: NDArray[np.bool_], right_after: NDArray[np.bool_]
) -> tuple[str, float, float, int, int]:
    """McNemar's test of the same cases right or wrong before and after.

    Exact binomial when fewer than :data:`EXACT_BELOW` cases are discordant, else R's
    ``mcnemar.test`` (continuity correction).

    Returns:
        The test's name, statistic, p-value, cases right before and wrong after, and the reverse.
    """
    b = int(np.count_nonzero(right_before & ~right_after))
    c = int(np.count_nonzero(~right_before & right_after))
    both = int(np.count_nonzero(right_before & right_after))
    neither = len(right_before) - b - c - both
    if b + c == 0:
        return MCNEMAR + " (no discordant cases)", np.nan, 1.0, 0, 0
    exact = b + c < EXACT_BELOW
    result = stats.mcnemar([[both, b], [c, neither]], correct=True, exact=exact)
    name = MCNEMAR + (" (exact binomial)" if exact else " with continuity correction")
    statistic = np.nan if result.statistic is None else float(result.statistic)
    return name, statistic, float(result.p_val), b, c


def delong(
    positive: NDArray[np.bool_], scores: Sequence[NDArray[np.float64]]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """AUCs of several scores of the same cases and their DeLong covariance matrix.

    The fast form of DeLong, DeLong and Clarke-Pearson (1988) by Sun and Xu (2014): the structural
    components come from midranks (``scipy.stats.rankdata``), ties counting one half.

    Args:
        positive: Which cases are positive.
        scores: One array of scores per model, higher meaning more likely positive.

    Returns:
        The AUCs (k,) and their covariance (k, k).
    """
    matrix = np.vstack(scores).astype(np.float64)
    pos, neg = matrix[:, positive], matrix[:, ~positive]
    m, n = pos.shape[1], neg.shape[1]
    rank_pos = sps.rankdata(pos, axis=1)
    rank_neg = sps.rankdata(neg, axis=1)
    rank_all = sps.rankdata(np.hstack([pos, neg]), axis=1)
    aucs = (rank_all[:, :m].sum(axis=1) / m - (m + 1) / 2) / n
    v_pos = (rank_all[:, :m] - rank_pos) / n  # per positive: share of negatives it outscores
    v_neg = 1 - (rank_all[:, m:] - rank_neg) / m  # per negative: share of positives outscoring it
    cov = np.atleast_2d(np.cov(v_pos)) / m + np.atleast_2d(np.cov(v_neg)) / n
    return aucs, cov


def holm(p_values: Sequence[float]) -> NDArray[np.float64]:
    """Holm-adjusted p-values; NaN stays NaN and is not counted in the family.

    The same figures as ``statsmodels.stats.multitest.multipletests(method="holm")`` and R's
    ``p.adjust(method = "holm")``, without the garbage collection statsmodels runs on every call
    (0.1-0.4 s each in a process holding many objects, once per metric and class here).
    """
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size:
        order = finite[np.argsort(p[finite], kind="stable")]
        m = order.size
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out[order] = np.minimum(stepped, 1.0)
    return out


def _groups(cases: Cases) -> Iterator[tuple[str, str, NDArray[np.int64]]]:
    """(slice column, slice, case positions): all cases first, then every slice of every column."""
    yield "", "", np.arange(cases.n)
    for column, values in cases.slices.items():
        for value in sorted(set(values) - {""}):
            yield column, str(value), np.flatnonzero(values == value)


def _count_rows(
    cases: Cases, where: NDArray[np.int64], resamples: int, rng: np.random.Generator, confidence: float
) -> list[dict[str, Any]]:
    """Accuracy, macro-F1 and the per-class metrics of the cases at `where`, before vs after."""
    k = len(cases.classes)
    y, b, a = cases.y[where], cases.before[where], cases.after[where]
    cells, draws = multinomial_resamples((y * k + b) * k + a, resamples, rng)
    cy, cb, ca = cells // (k * k), (cells // k) % k, cells % k
    observed = np.bincount(np.searchsorted(cells, (y * k + b) * k + a), minlength=len(cells))
    weights = np.vstack([observed, draws]).astype(np.float64)  # row 0: the sample itself
    count_b, count_a = _model_counts(weights, cy, cb, k), _model_counts(weights, cy, ca, k)
    before, after = _metrics(count_b), _metrics(count_a)
    rows: list[dict[str, Any]] = []

    def add(
        metric: str,
        klass: int | None,
        cis: tuple[tuple[float, float], tuple[float, float]],
        test: tuple[str, float, float, int, int] | None,
    ) -> None:
        pick: Any = (slice(None),) if klass is None else (slice(None), klass)
        series_b, series_a = before[metric][pick], after[metric][pick]
        diff = series_a[1:] - series_b[1:]
        name, statistic, p_val, r2w, w2r = test or (
            f"paired bootstrap ({resamples} resamples, seed {{seed}})",
            np.nan,
            bootstrap_p(diff),
            -1,
            -1,
        )
        rows.append(
            {
                "metric": metric,
                "class": "" if klass is None else cases.classes[klass],
                "n": len(where),
                "before": float(series_b[0]),
                "before_ci_low": cis[0][0],
                "before_ci_high": cis[0][1],
                "after": float(series_a[0]),
                "after_ci_low": cis[1][0],
                "after_ci_high": cis[1][1],
                "diff": float(series_a[0] - series_b[0]),
                "ci_low": _percentile_ci(diff, confidence)[0],
                "ci_high": _percentile_ci(diff, confidence)[1],
                "test": name,
                "statistic": statistic,
                "p_val": p_val,
                "right_to_wrong": r2w if r2w >= 0 else np.nan,
                "wrong_to_right": w2r if w2r >= 0 else np.nan,
            }
        )

    n = float(len(where))
    right_b, right_a = y == b, y == a
    add(
        "accuracy",
        None,
        (_wilson(count_b.tp[0].sum(), n, confidence), _wilson(count_a.tp[0].sum(), n, confidence)),
        mcnemar_right_wrong(right_b, right_a),
    )
    add(
        "macro_f1",
        None,
        (
            _percentile_ci(before["macro_f1"][1:], confidence),
            _percentile_ci(after["macro_f1"][1:], confidence),
        ),
        None,
    )
    for klass in range(k):
        tp_b, tp_a = count_b.tp[0, klass], count_a.tp[0, klass]
        actual = count_b.actual[0, klass]
        add(
            "precision",
            klass,
            (
                _wilson(tp_b, count_b.predicted[0, klass], confidence),
                _wilson(tp_a, count_a.predicted[0, klass], confidence),
            ),
            None,
        )
        of_class = y == klass
        add(
            "recall",
            klass,
            (_wilson(tp_b, actual, confidence), _wilson(tp_a, actual, confidence)),
            mcnemar_right_wrong(right_b[of_class], right_a[of_class]) if of_class.any() else None,
        )
        negatives = n - actual
        others = ~of_class
        add(
            "specificity",
            klass,
            (
                _wilson(negatives - count_b.predicted[0, klass] + tp_b, negatives, confidence),
                _wilson(negatives - count_a.predicted[0, klass] + tp_a, negatives, confidence),
            ),
            mcnemar_right_wrong((b != klass)[others], (a != klass)[others]) if others.any() else None,
        )
        add(
            "f1",
            klass,
            (
                _percentile_ci(before["f1"][1:, klass], confidence),
                _percentile_ci(after["f1"][1:, klass], confidence),
            ),
            None,
        )
    return rows


def _auc_row(cases: Cases, where: NDArray[np.int64], confidence: float) -> dict[str, Any] | None:
    if cases.scores is None or cases.positive is None:
        return None
    positive = cases.y[where] == cases.positive
    row: dict[str, Any] = {"metric": "auc", "class": cases.classes[cases.positive], "n": len(where)}
    if positive.all() or not positive.any():
        return {
            **row,
            "before": np.nan,
            "after": np.nan,
            "diff": np.nan,
            "test": DELONG + " (one label only)",
        }
    aucs, cov = delong(positive, [cases.scores[0][where], cases.scores[1][where]])
    z_crit = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    diff = float(aucs[1] - aucs[0])
    var = float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    se = [float(np.sqrt(max(cov[i, i], 0.0))) for i in (0, 1)]
    z = diff / np.sqrt(var) if var > 0 else np.nan
    return {
        **row,
        "before": float(aucs[0]),
        "before_ci_low": max(0.0, aucs[0] - z_crit * se[0]),
        "before_ci_high": min(1.0, aucs[0] + z_crit * se[0]),
        "after": float(aucs[1]),
        "after_ci_low": max(0.0, aucs[1] - z_crit * se[1]),
        "after_ci_high": min(1.0, aucs[1] + z_crit * se[1]),
        "diff": diff,
        "ci_low": diff - z_crit * np.sqrt(var) if var > 0 else np.nan,
        "ci_high": diff + z_crit * np.sqrt(var) if var > 0 else np.nan,
        "test": DELONG,
        "statistic": float(z),
        "p_val": float(2 * sps.norm.sf(abs(z))) if np.isfinite(z) else (1.0 if diff == 0 else np.nan),
    }


def latency_resamples(
    before: NDArray[np.float64],
    after: NDArray[np.float64],
    resamples: int,
    rng: np.random.Generator,
    quantiles: Sequence[float] = (0.5, 0.95),
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Quantiles of both latencies over paired bootstrap resamples (a case keeps both its latencies).

    Cases are sorted once by each latency; a resample is the count of draws of every case
    (``np.bincount`` of uniform draws), and its j-th smallest latency is where the running count in
    that latency's order first passes j. So no resampled latency is copied or sorted, and the result
    equals ``np.quantile`` (its default "linear" method, R's type 7) of the resampled values.
    Draws are made in chunks of at most :data:`LATENCY_CHUNK_CELLS` indices.

    Returns:
        Two (resamples, quantiles) arrays: before and after.
    """
    n = len(before)
    by_before = np.argsort(before, kind="stable")
    sorted_before = before[by_before]
    after_in_order = after[by_before]  # cases are numbered in before's order from here on
    by_after = np.argsort(after_in_order, kind="stable")
    sorted_after = after_in_order[by_after]
    positions = np.array([q * (n - 1) for q in quantiles])
    lows = np.floor(positions).astype(np.int64)
    highs = np.minimum(lows + 1, n - 1)
    fractions = positions - lows
    wanted = np.concatenate([lows, highs]) + 1  # the j-th smallest: where the running count reaches j + 1
    out = (np.empty((resamples, len(quantiles))), np.empty((resamples, len(quantiles))))
    chunk = max(1, LATENCY_CHUNK_CELLS // max(1, n))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.integers(0, n, size=(size, n), dtype=np.int32 if n < 2**31 else np.int64)
        for r in range(size):  # one resample at a time: its counts stay in the CPU's cache
            counts = np.bincount(draws[r], minlength=n)
            for side, (weights, values) in enumerate(
                ((counts, sorted_before), (counts[by_after], sorted_after))
            ):
                at = np.searchsorted(np.cumsum(weights), wanted)
                low, high = values[at[: len(lows)]], values[at[len(lows) :]]
                out[side][start + r] = low + (high - low) * fractions
    return out


def _latency_rows(
    cases: Cases, where: NDArray[np.int64], resamples: int, rng: np.random.Generator, confidence: float
) -> list[dict[str, Any]]:
    if cases.latency is None:
        return []
    before, after = cases.latency[0][where], cases.latency[1][where]
    boot_b, boot_a = latency_resamples(before, after, resamples, rng)
    rows = []
    for i, (metric, q) in enumerate(zip(LATENCY_METRICS, (0.5, 0.95), strict=True)):
        point_b, point_a = float(np.quantile(before, q)), float(np.quantile(after, q))
        diff = boot_a[:, i] - boot_b[:, i]
        ci_low, ci_high = _percentile_ci(diff, confidence)
        low_b, high_b = _percentile_ci(boot_b[:, i], confidence)
        low_a, high_a = _percentile_ci(boot_a[:, i], confidence)
        rows.append(
            {
                "metric": metric,
                "class": "",
                "n": len(where),
                "before": point_b,
                "before_ci_low": low_b,
                "before_ci_high": high_b,
                "after": point_a,
                "after_ci_low": low_a,
                "after_ci_high": high_a,
                "diff": point_a - point_b,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "test": f"paired bootstrap ({resamples} resamples, seed {{seed}})",
                "statistic": np.nan,
                "p_val": bootstrap_p(diff),
            }
        )
    return rows


def compare(
    cases: Cases, *, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
) -> Comparison:
    """Every metric before vs after, for all cases and every slice, with paired tests and intervals.

    Args:
        cases: From :func:`prepare`.
        resamples: Bootstrap resamples (at least 100).
        seed: Seed of the ``numpy`` Generator; the same input and seed give the same figures.
        confidence: Level of every interval.

    Returns:
        The :class:`Comparison`.

    Raises:
        BenchmarkError: "too_few_resamples".
    """
    if resamples < 100:
        raise BenchmarkError("too_few_resamples")
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for column, value, where in _groups(cases):
        group = _count_rows(cases, where, resamples, rng, confidence)
        auc = _auc_row(cases, where, confidence)
        group += [auc] if auc is not None else []
        group += _latency_rows(cases, where, resamples, rng, confidence)
        rows += [{**r, "slice_column": column, "slice": value} for r in group]
    frame = pd.DataFrame(rows).reindex(columns=list(RESULT_COLUMNS))
    frame["test"] = frame["test"].str.replace("{seed}", str(seed), regex=False)
    frame["p_adj"] = frame["p_val"]
    sliced = frame["slice_column"] != ""
    for _, family in frame[sliced].groupby(["metric", "class"], sort=False):
        frame.loc[family.index, "p_adj"] = holm(family["p_val"].tolist())
    for column in ("right_to_wrong", "wrong_to_right"):
        frame[column] = frame[column].astype("Int64")
    frame["n"] = frame["n"].astype("int64")
    regressed = (cases.y == cases.before) & (cases.y != cases.after)
    regressions = pd.DataFrame(
        {
            "case_id": cases.ids[regressed],
            "row": cases.rows[regressed],
            "label": [cases.classes[i] for i in cases.y[regressed]],
            "before": [cases.classes[i] for i in cases.before[regressed]],
            "after": [cases.classes[i] for i in cases.after[regressed]],
            **{column: values[regressed] for column, values in cases.slices.items()},
        }
    )
    fixed = int(np.count_nonzero((cases.y != cases.before) & (cases.y == cases.after)))
    return Comparison(frame, regressions, fixed, cases.n, cases.classes, resamples, seed)


# --------------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------------


def summary_lines(result: Comparison, lang: str = "en", alpha: float = 0.05) -> list[str]:
    """A short summary: every metric for all cases, slices that changed significantly, regressions."""
    zh = lang == "zh"
    lines = [
        f"{result.n} 个用例，{len(result.classes)} 个标签；自助法 {result.resamples} 次，种子 {result.seed}"
        if zh
        else f"{result.n} cases, {len(result.classes)} labels; bootstrap {result.resamples} resamples, seed {result.seed}"
    ]
    overall = result.rows[result.rows["slice_column"] == ""]
    for r in overall.to_dict("records"):
        if r["metric"] in CLASS_METRICS:
            continue
        lines.append(_row_line(r, lang))
    for r in overall[overall["metric"] == "recall"].to_dict("records"):
        lines.append(_row_line(r, lang))
    changed = result.rows[(result.rows["slice_column"] != "") & (result.rows["p_adj"] < alpha)]
    for r in changed[~changed["metric"].isin(CLASS_METRICS)].to_dict("records"):
        lines.append(_row_line(r, lang))
    ids = ", ".join(map(str, result.regressions["case_id"].head(10)))
    more = len(result.regressions) - 10
    tail = (f" 等 {len(result.regressions)} 个" if zh else f" and {more} more") if more > 0 else ""
    lines.append(
        f"由对变错（回归）：{len(result.regressions)} 个{'：' + ids + tail if ids else ''}；由错变对：{result.fixed} 个"
        if zh
        else f"regressions (right before, wrong after): {len(result.regressions)}"
        f"{': ' + ids + tail if ids else ''}; fixed (wrong before, right after): {result.fixed}"
    )
    return lines


def _row_line(r: Mapping[str, Any], lang: str) -> str:
    metric = str(r["metric"])
    scale = 1 if metric in LATENCY_METRICS else 100
    unit = " ms" if metric in LATENCY_METRICS else " pp"
    name = metric_name(metric, str(r["class"]), str(r["slice"]), lang)
    diff = f"{scale * r['diff']:+.1f}{unit}" if np.isfinite(r["diff"]) else "–"
    ci = (
        f"[{scale * r['ci_low']:+.1f}, {scale * r['ci_high']:+.1f}]"
        if np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"])
        else "[–]"
    )
    p = f"p={r['p_val']:.3g}" + (f", p_adj={r['p_adj']:.3g}" if r["slice_column"] else "")
    return (
        f"{name}: {figure(metric, r['before'])} → {figure(metric, r['after'])}, {diff} {ci}; {r['test']}, {p}"
    )


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for input it cannot compare)."""
    parser = argparse.ArgumentParser(
        prog="python -m analytics.benchmark",
        description="Compare a model's benchmark before and after a fix, case by case.",
    )
    parser.add_argument("results", type=Path, help="CSV, XLSX or JSONL with one row per test case")
    parser.add_argument("--label-column", required=True)
    parser.add_argument("--before-column", required=True)
    parser.add_argument("--after-column", required=True)
    parser.add_argument("--slice-column", action="append", default=[], help="may be given several times")
    parser.add_argument("--id-column")
    parser.add_argument("--score-before-column")
    parser.add_argument("--score-after-column")
    parser.add_argument("--positive-label")
    parser.add_argument("--latency-before-column")
    parser.add_argument("--latency-after-column")
    parser.add_argument("--resamples", type=int, default=RESAMPLES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("--output", type=Path, help="one row per metric, class and slice")
    parser.add_argument("--regressions", type=Path, help="the cases right before and wrong after")
    args = parser.parse_args(argv)
    columns = Columns(
        label=args.label_column,
        before=args.before_column,
        after=args.after_column,
        case_id=args.id_column,
        slices=tuple(dict.fromkeys(args.slice_column)),
        score_before=args.score_before_column,
        score_after=args.score_after_column,
        positive=args.positive_label,
        latency_before=args.latency_before_column,
        latency_after=args.latency_after_column,
    )
    try:
        try:
            data = args.results.read_bytes()
        except OSError as err:
            raise BenchmarkError("bad_file", problem=err.strerror or str(err)) from err
        result = compare(
            prepare(read_results(data, args.results.name), columns), resamples=args.resamples, seed=args.seed
        )
    except BenchmarkError as err:
        print(f"{args.results.name}: {err.message(args.lang)}", file=sys.stderr)
        return 2
    for line in summary_lines(result, args.lang):
        print(line)
    if args.output:
        result.rows.to_csv(args.output, index=False)
    if args.regressions:
        result.regressions.to_csv(args.regressions, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

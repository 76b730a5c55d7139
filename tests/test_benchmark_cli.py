"""`python -m analytics.benchmark` as a user runs it: a short summary, a CSV of every metric and slice,
and one clear line with exit status 2 for each kind of bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.benchmark_support import results_frame
from tests.conftest import ROOT

# Slow: each test starts Python with pandas, scipy and statsmodels (seconds each; CI runs it).
pytestmark = pytest.mark.slow

REQUIRED = ["--label-column", "label", "--before-column", "before", "--after-column", "after"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics.benchmark", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_summary_and_output_with_one_row_per_metric_and_slice(tmp_path: Path):
    path = tmp_path / "results.csv"
    results_frame(500, seed=3).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    done = _run(
        str(path),
        *REQUIRED,
        "--slice-column",
        "edge_case",
        "--id-column",
        "case_id",
        "--latency-before-column",
        "latency_before",
        "--latency-after-column",
        "latency_after",
        "--resamples",
        "500",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "500 cases, 3 labels; bootstrap 500 resamples, seed 0"
    assert any(line.startswith("accuracy: ") and "McNemar's test" in line for line in lines)
    assert any(line.startswith("p95 latency: ") for line in lines)
    assert lines[-1].startswith("regressions (right before, wrong after): ")
    table = pd.read_csv(out, keep_default_na=False)
    required = [
        "metric",
        "slice",
        "before",
        "after",
        "diff",
        "ci_low",
        "ci_high",
        "test",
        "p_val",
        "p_adj",
        "n",
    ]
    assert set(required) <= set(table.columns)
    overall = table[(table["metric"] == "accuracy") & (table["slice"] == "")]
    assert len(overall) == 1 and int(overall["n"].iloc[0]) == 500
    assert sorted(table.loc[table["metric"] == "accuracy", "slice"]) == [
        "",
        "blurred",
        "plain",
        "small lesion",
    ]
    assert set(table["metric"]) >= {
        "accuracy",
        "macro_f1",
        "precision",
        "recall",
        "specificity",
        "f1",
        "latency_median_ms",
        "latency_p95_ms",
    }


def test_the_summary_in_chinese(tmp_path: Path):
    path = tmp_path / "results.csv"
    results_frame(120, seed=3).to_csv(path, index=False)
    done = _run(str(path), *REQUIRED, "--resamples", "200", "--lang", "zh")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("120 个用例")
    assert "准确率" in done.stdout


@pytest.mark.parametrize(
    ("change", "extra", "says"),
    [
        (lambda f: f.assign(after=[*f["after"][:-1], ""]), [], "columns of different lengths"),
        (lambda f: f.assign(after=["tumor", *f["after"][1:]]), [], "predicts 'tumor'"),
        (lambda f: f.assign(label="lesion"), [], "holds one value only"),
        (lambda f: f.assign(edge_case=""), ["--slice-column", "edge_case"], "is empty"),
        (lambda f: f, ["--slice-column", "site"], "has no column 'site'"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(tmp_path: Path, change, extra, says):
    path = tmp_path / "results.csv"
    change(results_frame(60, seed=2)).to_csv(path, index=False)
    done = _run(str(path), *REQUIRED, *extra)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and says in done.stderr


def test_a_missing_file_is_one_line_too(tmp_path: Path):
    done = _run(str(tmp_path / "nowhere.csv"), *REQUIRED)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1

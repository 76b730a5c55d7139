"""The file command line, python -m analytics.verify, on the sample exports of six survey tools (no database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from analytics.survey_files import read_survey
from analytics.verify import main

EXPORTS = Path(__file__).parent / "data" / "survey_exports"
REQUIRED = (
    "question",
    "kind",
    "test",
    "statistic",
    "p_val",
    "p_adj",
    "n_before",
    "n_after",
    "status",
    "verdict_en",
    "verdict_zh",
)
# tool -> (baseline, follow-up, the free-text question, the first (accuracy) question's header)
TOOLS = {
    "wjx": ("wjx_baseline.csv", "wjx_followup.csv", "还有什么想告诉我们的？", "您对回答的准确性满意吗？"),
    "tencent": (
        "tencent_baseline.xlsx",
        "tencent_followup.xlsx",
        "还有什么想告诉我们的？",
        "您对回答的准确性满意吗？",
    ),
    "qualtrics": (
        "qualtrics_baseline.csv",
        "qualtrics_followup.csv",
        "Anything else you would like to tell us?",
        "How satisfied are you with the assistant on each of the following? - Accuracy of answers",
    ),
    "surveymonkey": (
        "surveymonkey_baseline.csv",
        "surveymonkey_followup.xlsx",
        "Anything else you would like to tell us?",
        "How satisfied are you with the assistant? - Accuracy of answers",
    ),
    "google_forms": (
        "google_forms_baseline.csv",
        "google_forms_followup.csv",
        "Anything else you would like to tell us?",
        "How accurate were the assistant's answers? (1 = not at all accurate, 7 = completely accurate)",
    ),
    "microsoft_forms": (
        "microsoft_forms_baseline.xlsx",
        "microsoft_forms_followup.xlsx",
        "Anything else you would like to tell us?",
        "How satisfied are you with the accuracy of the answers?",
    ),
}
QUALTRICS = ("--baseline-file", str(EXPORTS / "qualtrics_baseline.csv"))
QUALTRICS_AFTER = ("--follow-up-file", str(EXPORTS / "qualtrics_followup.csv"))


def run(capsys, tmp_path: Path, *args: str) -> tuple[int, pd.DataFrame | None, str, str]:
    """main() with --output: the exit status, the table written (None when refused), stdout, stderr."""
    output = tmp_path / "out.csv"
    status = main([*args, "--output", str(output)])
    captured = capsys.readouterr()
    table = pd.read_csv(output) if output.exists() else None
    return status, table, captured.out, captured.err


def wide(before: str, after: str) -> tuple[str, ...]:
    return ("--baseline-file", str(EXPORTS / before), "--follow-up-file", str(EXPORTS / after))


def compared_questions(before: str) -> list[str]:
    """The baseline file's non-text questions as the command names them (a multi's options one each)."""
    survey = read_survey((EXPORTS / before).read_bytes(), before)
    names: list[str] = []
    for q in survey.questions:
        if q.spec.kind == "multi":
            names += [f"{q.spec.text_en} — {option.en}" for option in q.spec.options]
        elif q.spec.kind != "text":
            names.append(q.spec.text_en)
    return names


@pytest.mark.parametrize("tool", list(TOOLS))
def test_each_tools_two_exports_give_one_row_per_question_and_one_holm_family(tool, tmp_path, capsys):
    before, after, free_text, accuracy = TOOLS[tool]
    status, table, out, err = run(capsys, tmp_path, *wide(before, after))
    assert status == 0 and table is not None
    assert set(REQUIRED) <= set(table.columns) and list(table.columns[:9]) == list(REQUIRED[:9])
    # One row per analysed question (a multiple choice one per option), none for the free text.
    assert sorted(table["question"]) == sorted(compared_questions(before))
    assert free_text not in set(table["question"])
    assert f"skipped (free text): {free_text}" in err.splitlines()
    assert len(out.splitlines()) == len(table)  # one verdict a line
    # Every scale question is in one family, adjusted by Holm over exactly those rows.
    scales = table[table["kind"] == "likert"]
    assert len(scales) >= 2 and set(scales["family"]) == {"scale"}
    assert (table.loc[table["family"] == "scale", "kind"] == "likert").all()
    holm = multipletests(scales["p_val"].to_numpy(), method="holm")[1]
    np.testing.assert_allclose(scales["p_adj"].to_numpy(), holm, rtol=1e-9)
    # The sample data were generated with accuracy better after the fix.
    first = table.iloc[0]
    assert first["question"] == accuracy and first["kind"] == "likert"
    assert first["status"] == "ok" and first["result"] == "better" and first["p_adj"] < 0.05
    assert (table["analysis"] == "independent").all()


def test_qualtrics_is_paired_by_external_reference_and_independent_without(tmp_path, capsys):
    status, paired, _, _ = run(
        capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--id-column", "ExternalReference"
    )
    assert status == 0 and paired is not None
    assert (paired["analysis"] == "paired").all()
    first = paired.iloc[0]
    assert first["n_paired"] == 27 and first["result"] == "better"
    assert first["test"] == "Wilcoxon signed-rank (paired)"
    scales = paired[paired["family"] == "scale"]
    np.testing.assert_allclose(scales["p_adj"], multipletests(scales["p_val"], method="holm")[1], rtol=1e-9)

    status, alone, _, _ = run(capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER)
    assert status == 0 and alone is not None
    assert (alone["analysis"] == "independent").all() and (alone["n_paired"] == 0).all()
    assert alone.iloc[0]["test"] == "Mann-Whitney U (Wilcoxon rank-sum)"

    status, forced, _, _ = run(
        capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--id-column", "ExternalReference", "--paired", "no"
    )
    assert status == 0 and forced is not None and (forced["analysis"] == "independent").all()


def test_lang_zh_prints_chinese_verdicts_and_messages(tmp_path, capsys):
    status, table, out, err = run(capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--lang", "zh")
    assert status == 0 and table is not None
    lines = out.splitlines()
    assert lines == list(table["verdict_zh"])
    assert "显著提升" in lines[0] and "Holm 校正后 p" in lines[0]
    assert "improved" not in out
    assert err.splitlines() == ["已跳过（开放题）：Anything else you would like to tell us?"]


def test_question_compares_just_the_one_named(tmp_path, capsys):
    speed = "How satisfied are you with the assistant on each of the following? - Response speed"
    status, table, out, _ = run(capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--question", speed)
    assert status == 0 and table is not None
    assert list(table["question"]) == [speed] and len(out.splitlines()) == 1
    assert table.iloc[0]["p_adj"] == table.iloc[0]["p_val"]  # a family of one
    # The file's column name names it too.
    status, by_column, _, _ = run(capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--question", "Q1_2")
    assert status == 0 and by_column is not None and list(by_column["question"]) == [speed]


@pytest.mark.parametrize(("lang", "start"), [("en", "error: no question"), ("zh", "错误：")])
def test_a_question_in_neither_file_is_an_error_of_one_line(lang, start, tmp_path, capsys):
    status, table, out, err = run(
        capsys, tmp_path, *QUALTRICS, *QUALTRICS_AFTER, "--question", "How tall are you?", "--lang", lang
    )
    assert status == 2 and table is None and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(start) and "How tall are you?" in err


@pytest.mark.parametrize(("lang", "words"), [("en", "respondent ids repeat"), ("zh", "受访者 ID 有重复")])
def test_duplicate_ids_are_refused_in_one_line_naming_them(lang, words, tmp_path, capsys):
    args = wide("bad_wjx_duplicate_ids.csv", "wjx_followup.csv")
    status, table, out, err = run(capsys, tmp_path, *args, "--id-column", "1、您的用户ID：", "--lang", lang)
    assert status == 2 and table is None and out == ""
    assert len(err.splitlines()) == 1
    assert words in err and "U1003" in err and "U1011" in err
    # Without the id column the repeated ids do not matter.
    status, table, _, _ = run(capsys, tmp_path, *args)
    assert status == 0 and table is not None


def test_a_seven_point_version_of_a_five_point_question_is_not_tested(tmp_path, capsys):
    args = wide("bad_qualtrics_seven_point.csv", "qualtrics_followup.csv")
    status, table, out, _ = run(capsys, tmp_path, *args)
    assert status == 0 and table is not None
    scales = table[table["kind"] == "likert"]
    assert len(scales) == 4 and (scales["status"] == "scale_mismatch").all()
    assert (scales["result"] == "not_tested").all() and scales["p_adj"].isna().all()
    for verdict in scales["verdict_en"]:
        assert "not tested" in verdict and "5-point" in verdict and "7-point" in verdict
    for verdict in scales["verdict_zh"]:
        assert "未检验" in verdict and "5 分量表" in verdict and "7 分量表" in verdict
    assert "not tested" in out.splitlines()[0]
    assert (table.loc[table["kind"] != "likert", "status"] == "ok").all()  # the rest still compared


def test_a_six_on_a_five_point_scale_refuses_that_row_and_compares_the_rest(tmp_path, capsys):
    before, after = "bad_google_forms_six_on_five.csv", "google_forms_followup.csv"
    status, table, _, err = run(capsys, tmp_path, *wide(before, after))
    assert status == 0 and table is not None
    refused = [line for line in err.splitlines() if "refused" in line]
    assert refused == [
        "baseline file, row 6 refused (left out of the comparison): outside the scale (6) in column "
        "'How satisfied are you with the response speed?'"
    ]
    assert (table["status"] == "ok").all()
    assert sorted(table["question"]) == sorted(compared_questions("google_forms_baseline.csv"))
    clean = pd.read_csv(EXPORTS / "google_forms_baseline.csv")
    assert table.iloc[0]["n_before"] == clean.iloc[:, 2].notna().sum() - 1  # the refused row left out
    status, _, _, err = run(capsys, tmp_path, *wide(before, after), "--lang", "zh")
    assert "基线文件第 6 行被拒绝（未参与比较）" in err


def test_a_follow_up_with_fewer_than_five_answers_gives_too_few_rows(tmp_path, capsys):
    tiny = pd.read_excel(EXPORTS / "microsoft_forms_followup.xlsx").head(3)
    small = tmp_path / "tiny_followup.csv"
    tiny.to_csv(small, index=False)
    args = ("--baseline-file", str(EXPORTS / "microsoft_forms_baseline.xlsx"), "--follow-up-file", str(small))
    status, table, out, _ = run(capsys, tmp_path, *args)
    assert status == 0 and table is not None and len(table) >= 2
    assert (table["status"] == "too_few").all() and (table["result"] == "not_tested").all()
    assert table["p_val"].isna().all() and (table["n_after"] <= 3).all()
    for verdict in table["verdict_en"]:
        assert "not tested" in verdict and "at least 5 per wave" in verdict
    assert all("至少需要 5 个" in v for v in table["verdict_zh"])
    assert len(out.splitlines()) == len(table)


def long_answers(path: Path) -> Path:
    """A small long answers file: accuracy 1-5 and NPS for waves 1 and 2, six respondents each."""
    rows = []
    for wave, values in (("1", [1, 2, 3, 2, 3, 2]), ("2", [4, 5, 4, 5, 4, 3])):
        for i, v in enumerate(values):
            rows.append({"wave": wave, "respondent_key": f"r{wave}-{i}", "question": "accuracy", "value": v})
            rows.append({"wave": wave, "respondent_key": f"r{wave}-{i}", "question": "nps", "value": 2 * v})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_the_long_format_still_works(tmp_path, capsys):
    source = long_answers(tmp_path / "answers.csv")
    status, table, out, _ = run(capsys, tmp_path, str(source), "--baseline", "1", "--follow-up", "2")
    assert status == 0 and table is not None
    assert set(REQUIRED) <= set(table.columns)
    assert list(zip(table["question"], table["kind"], strict=True)) == [
        ("accuracy", "likert"),
        ("nps", "nps"),
        ("accuracy", "top2box"),
    ]
    assert out.splitlines() == list(table["verdict_en"])
    assert out.startswith("Accuracy improved significantly")


@pytest.mark.parametrize(("lang", "start"), [("en", "error: question 'csat'"), ("zh", "错误：题目 'csat'")])
def test_the_long_format_refuses_a_named_code_without_answers(lang, start, tmp_path, capsys):
    source = long_answers(tmp_path / "answers.csv")
    args = (str(source), "--baseline", "1", "--follow-up", "2", "--question", "csat", "--lang", lang)
    status, table, out, err = run(capsys, tmp_path, *args)
    assert status == 2 and table is None and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(start)


def test_the_module_runs_as_a_command(tmp_path):
    output = tmp_path / "out.csv"
    done = subprocess.run(
        [sys.executable, "-m", "analytics.verify", *wide(*TOOLS["wjx"][:2]), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped (free text): 还有什么想告诉我们的？" in done.stderr
    assert done.stdout.startswith("Accuracy improved significantly")  # the one question measuring accuracy
    assert len(pd.read_csv(output)) == len(done.stdout.splitlines())


def test_a_wave_the_long_file_does_not_have_is_refused_in_one_line(tmp_path, capsys):
    source = tmp_path / "answers.csv"
    rows = [("1", f"r{i}", "accuracy", 3 + i % 2) for i in range(6)] + [
        ("2", f"r{i}", "accuracy", 4) for i in range(6)
    ]
    pd.DataFrame(rows, columns=["wave", "respondent_key", "question", "value"]).to_csv(source, index=False)
    assert main([str(source), "--baseline", "1", "--follow-up", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: answers.csv has no wave '3' (its waves: 1, 2)"]

"""The command line under its old name: python -m jobs.compare_waves answers.csv --baseline B --follow-up F."""

from __future__ import annotations

import pandas as pd

from jobs.compare_waves import main
from tests.verify_support import demo_answers


def test_the_command_line_prints_one_verdict_per_measure(tmp_path, capsys):
    source, output = tmp_path / "answers.csv", tmp_path / "result.csv"
    demo_answers().to_csv(source, index=False)
    assert main([str(source), "--baseline", "1", "--follow-up", "2", "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = pd.read_csv(output)
    # One verdict a line, in the table's order: five Likert rows, NPS, five top-2-box rows.
    assert len(lines) == 11 and lines == list(table["verdict_en"])
    assert lines[0].startswith("Accuracy improved significantly")
    assert list(table.columns[:9]) == [
        "question",
        "kind",
        "test",
        "statistic",
        "p_val",
        "p_adj",
        "n_before",
        "n_after",
        "status",
    ]
    assert {"verdict_en", "verdict_zh", "result"} <= set(table.columns)
    assert list(table["question"]) == list(table["measure"])
    assert list(table["kind"]) == ["likert"] * 5 + ["nps"] + ["top2box"] * 5

    assert main([str(source), "--baseline", "1", "--follow-up", "2", "--lang", "zh"]) == 0
    assert capsys.readouterr().out.splitlines() == list(table["verdict_zh"])

    assert main([str(tmp_path / "missing.csv"), "--baseline", "1", "--follow-up", "2"]) == 2
    assert capsys.readouterr().err.startswith("error:")
    named = [str(source), "--baseline", "1", "--follow-up", "2", "--question", "no_such_code"]
    assert main(named) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: question 'no_such_code' has no answers in either wave"]

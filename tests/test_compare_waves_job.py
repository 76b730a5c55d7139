"""The command line: python -m jobs.compare_waves answers.csv --baseline B --follow-up F."""

from __future__ import annotations

import pandas as pd

from jobs.compare_waves import main
from tests.verify_support import demo_answers


def test_the_command_line_prints_one_verdict_per_measure(tmp_path, capsys):
    source, output = tmp_path / "answers.csv", tmp_path / "result.csv"
    demo_answers().to_csv(source, index=False)
    assert main([str(source), "--baseline", "1", "--follow-up", "2", "--output", str(output)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11 and lines[0].startswith("Accuracy improved significantly")
    assert len(pd.read_csv(output)) == 11
    assert main([str(tmp_path / "missing.csv"), "--baseline", "1", "--follow-up", "2"]) == 2
    assert "error:" in capsys.readouterr().err

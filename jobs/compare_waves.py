"""Compare two waves of an answers CSV from the command line: one verdict per measure.

Usage: ``python -m jobs.compare_waves answers.csv --baseline B --follow-up F [--lang zh]
[--paired auto|yes|no] [--output result.csv]``. The CSV has the columns wave, respondent_key,
question, value (optional kind), one row per answer; ``--output`` writes the full result table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analytics.pairing import Paired
from analytics.wave_compare import compare_waves

PAIRING_CHOICES: dict[str, Paired] = {"auto": "auto", "yes": True, "no": False}


def main(argv: Sequence[str] | None = None) -> int:
    """Compare two waves of an answers CSV; print the verdicts, optionally write the table.

    Args:
        argv: The arguments (default: the process's).

    Returns:
        The exit status: 0, or 2 when the file cannot be read or the comparison is refused.
    """
    parser = argparse.ArgumentParser(
        prog="python -m jobs.compare_waves",
        description="Compare a follow-up survey wave with its baseline (columns wave, respondent_key, "
        "question, value; optional kind).",
    )
    parser.add_argument("input", type=Path, help="CSV file (UTF-8), one row per answer")
    parser.add_argument("--baseline", required=True, help="wave value of the baseline")
    parser.add_argument("--follow-up", required=True, help="wave value of the follow-up")
    parser.add_argument("--paired", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument("--lang", choices=["zh", "en"], default="en")
    parser.add_argument("--output", type=Path, help="CSV file for the full result table")
    args = parser.parse_args(argv)
    try:
        answers = pd.read_csv(args.input, dtype={"wave": str, "respondent_key": str})
        result = compare_waves(
            answers,
            baseline=str(args.baseline),
            follow_up=str(args.follow_up),
            paired=PAIRING_CHOICES[args.paired],
        )
    except (OSError, ValueError, pd.errors.ParserError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for verdict in result[f"verdict_{args.lang}"]:
        print(verdict)
    if args.output is not None:
        result.to_csv(args.output, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

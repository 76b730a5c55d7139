"""Redaction on real feedback: what ``analytics.pii.redact`` finds in the development data, before and after.

The development data (``../shared/data``: banking77's English bank questions, online_shopping_zh's
Chinese reviews) has no personal-data labels, and its texts were collected without personal data;
so nearly every span found there is a false positive, and the spans found are the cost of
redaction in precision. ``--show`` prints each span with its context for review by eye.

"Before" is ``analytics/pii.py`` at a git revision (default ``main``), loaded from ``git show`` into
this process as a separate module, so both versions run in the same run on the same rows and the
speeds compare fairly. Speeds are best of three, per version, this process's CPU time.

Usage::

    python bench/pii_dev_data.py                 # counts per type, before/after, and speed
    python bench/pii_dev_data.py --show          # ... and every span found after, with context
    python bench/pii_dev_data.py --before HEAD~3
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from analytics import pii  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CORPORA = {
    "banking77 (en)": (DATA / "banking77" / "train.csv", "text"),
    "online_shopping_zh": (DATA / "online_shopping_zh" / "dev.csv", "review"),
}


def read_texts(path: Path, column: str) -> list[str]:
    """The non-empty texts of one column of a CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [row[column] for row in csv.DictReader(fh) if row.get(column)]


def module_at(revision: str, tmp: Path) -> ModuleType:
    """``analytics/pii.py`` as it was at ``revision``, imported under another name."""
    source = subprocess.run(
        ["git", "show", f"{revision}:analytics/pii.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = tmp / "pii_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("pii_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def found(redact: Callable[[str], Any], texts: Sequence[str]) -> tuple[Counter[str], int]:
    """Spans found per type, and the number of texts changed."""
    per_type: Counter[str] = Counter()
    changed = 0
    for text in texts:
        result = redact(text)
        per_type.update(e.type for e in result.entities)
        changed += bool(result.entities)
    return per_type, changed


def cpu_seconds(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best CPU time of this process over ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    """Print spans found per corpus and type before and after, then the speed of both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--before", default="main", help="git revision of the baseline (default main)")
    parser.add_argument("--show", action="store_true", help="print every span found after, with context")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        before = module_at(args.before, Path(tmp))
        corpora = {name: read_texts(path, column) for name, (path, column) in CORPORA.items()}
        before.redact("我叫李明")  # load jieba outside the timed runs
        pii.redact("我叫李明")
        for name, texts in corpora.items():
            chars = sum(map(len, texts))
            print(f"{name}: {len(texts):,} texts, {chars:,} characters")
            old, old_changed = found(before.redact, texts)
            new, new_changed = found(pii.redact, texts)
            print(f"  texts changed: before {old_changed}, after {new_changed}")
            for kind in sorted(set(old) | set(new)):
                print(f"  {kind:<14} before {old[kind]:>4}  after {new[kind]:>4}")
            t_old = cpu_seconds(lambda texts=texts: [before.redact(t) for t in texts])
            t_new = cpu_seconds(lambda texts=texts: [pii.redact(t) for t in texts])
            print(
                f"  speed (CPU, best of 3): before {len(texts) / t_old:,.0f} texts/s "
                f"({t_old * 1e6 / len(texts):.1f} us/text), after {len(texts) / t_new:,.0f} texts/s "
                f"({t_new * 1e6 / len(texts):.1f} us/text), after/before {t_new / t_old:.2f}x"
            )
            if args.show:
                for text in texts:
                    for e in pii.redact(text).entities:
                        context = text[max(0, e.start - 15) : e.end + 15].replace("\n", " ")
                        print(f"    {e.type:<14} {text[e.start : e.end]!r:<30} …{context}…")
            print()


if __name__ == "__main__":
    main()

"""The pain-point analysis as a batch job on the database, for corpora too big to wait for in a browser.

It does what "Find pain points" does on the page (embeddings from the cache, model categories where no
person set one, topics stored as a new run with stable keys) and records it in the audit log; the page
then opens the stored run. Also clusters a CSV file without a database.

Usage: ``python -m jobs.analyse --product NAME [--round NAME] [--database-url URL]``, or
``python -m jobs.analyse INPUT.csv --text-column text --output OUT.csv``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from analytics.embeddings import choose_model, encode_in_batches, load_encoder
from analytics.progress import Progress
from analytics.topics import fit_topics, warm_up
from db import feedback as feedback_repo
from db import migrate
from db.engine import DatabaseProblem, make_engine, unit_of_work
from db.models import Product, Round
from db.settings import secret_warning
from services import pain_points

log = logging.getLogger(__name__)


class BatchProblem(ValueError):
    """Input the batch job cannot work with; the message says what, in plain words."""


@dataclass(frozen=True)
class Scope:
    """What to analyse: a product, and one of its rounds or (round_id None) all of them."""

    product_id: int
    round_id: int | None
    described: str  # "MediAssist, Round 2"


def find_scope(url: str | None, product: str, round_name: str | None) -> Scope:
    """The product (and round) named on the command line.

    Raises:
        BatchProblem: no such product or round (the message lists the names there are).
        DatabaseProblem: the database cannot be used.
    """
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        if warning := secret_warning(engine):
            print(warning, file=sys.stderr)
        with unit_of_work(engine) as session:
            products = {p.name: p.id for p in session.scalars(select(Product).order_by(Product.name))}
            if product not in products:
                raise BatchProblem(
                    f"no product named {product!r}; there are: {', '.join(products) or 'none'}"
                )
            if round_name is None:
                return Scope(products[product], None, f"{product}, all rounds")
            rounds = {
                r.name: r.id
                for r in session.scalars(select(Round).where(Round.product_id == products[product]))
            }
            if round_name not in rounds:
                names = ", ".join(sorted(rounds)) or "none"
                raise BatchProblem(f"{product} has no round named {round_name!r}; there are: {names}")
            return Scope(products[product], rounds[round_name], f"{product}, {round_name}")
    finally:
        engine.dispose()


def analyse(
    url: str | None,
    scope: Scope,
    *,
    model: str | None = None,
    min_topic_size: int | None = None,
    seed: int = 42,
    actor: str = "batch",
) -> pain_points.AnalysisSummary:
    """Analyse the scope's feedback and store the run, as the page does.

    Args:
        url: Database URL (None: DATABASE_URL).
        scope: From :func:`find_scope`.
        model: Encoder name (see analytics.embeddings); None picks it from the texts' languages.
        min_topic_size: Passed to the topic model (analytics.topics.fit_topics).
        seed: Passed to the topic model (analytics.topics.fit_topics).
        actor: Who the audit log names.

    Raises:
        pain_points.NoFeedback: the scope has no feedback.
    """
    engine = make_engine(url)
    try:
        if model is None:
            with unit_of_work(engine) as session:
                texts = feedback_repo.scope_feedback(session, scope.product_id, scope.round_id)["text"]
            if texts.empty:
                raise pain_points.NoFeedback(scope.described)
            model = choose_model(texts.astype(str).tolist())
        encoder = load_encoder(model)
        log.info("%s: encoder %s", scope.described, encoder.model_id)

        def progress(stage: str, done: int, total: int) -> None:
            if done == 0 or done == total:
                log.info("%s %s %d/%d", stage, "started" if done == 0 else "done", done, total)

        summary = pain_points.analyse_scope(
            engine,
            scope.product_id,
            scope.round_id,
            encoder,
            progress=progress,
            warm_up=warm_up,
            min_topic_size=min_topic_size,
            seed=seed,
            actor=actor,
            audit_detail={"batch": True},
        )
        return summary
    finally:
        engine.dispose()


class InputProblem(Exception):
    """Input the batch job cannot use; the message is shown as is."""


def read_input(path: Path, text_column: str, id_column: str | None) -> pd.DataFrame:
    """The input CSV with its text (and id) column checked.

    Raises:
        InputProblem: missing or unreadable file, missing column, no rows with text.
    """
    if not path.is_file():
        raise InputProblem(f"input file not found: {path}")
    frame = None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in Chinese locales saves CSV as GBK
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise InputProblem(f"cannot read {path} as a CSV file: {str(err).splitlines()[0]}") from err
    if frame is None:
        raise InputProblem(f"cannot read {path}: it is neither UTF-8 nor GBK text")
    for column in [text_column, id_column]:
        if column is not None and column not in frame.columns:
            raise InputProblem(
                f"column {column!r} not found in {path}; columns are: {', '.join(map(str, frame.columns))}"
            )
    if frame.empty or not frame[text_column].str.strip().astype(bool).any():
        raise InputProblem(f"no text in column {text_column!r} of {path}")
    return frame


def _model_for(language: str, model: str | None, texts: Sequence[str]) -> str:
    from analytics.embeddings import DEFAULT_MODEL, choose_model

    if model:
        return model
    if language == "en":
        return "minilm-int8"
    return DEFAULT_MODEL if language == "zh" else choose_model(texts)


def _terminal_progress(label: str) -> Progress:
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="text", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: topics of a CSV file or of a product's stored feedback; returns the exit status.

    Without --product: topics of a CSV file, one output row per input row. With --product: the
    analysis of a product's feedback in the database, stored as a run the app opens. Exit status 0 on
    success, 2 for input, database or output problems (the message goes to stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m jobs.analyse",
        description="Find pain-point topics in a CSV file of feedback, or in a product's feedback in the "
        "database (--product; DATABASE_URL or --database-url says which database).",
    )
    parser.add_argument(
        "input", type=Path, nargs="?", help="CSV file (UTF-8 or GBK) with one feedback text per row"
    )
    parser.add_argument("--text-column", default="text", help="column holding the text (default: text)")
    parser.add_argument("--output", type=Path, help="CSV file to write (with an input file)")
    parser.add_argument("--product", help="analyse this product's feedback in the database instead of a file")
    parser.add_argument("--round", help="with --product: only this round (default: every round)")
    parser.add_argument("--database-url", help="with --product: the database (default: DATABASE_URL)")
    parser.add_argument("--id-column", help="column copied to the output to identify rows")
    parser.add_argument(
        "--language",
        choices=["zh", "en", "auto"],
        default="auto",
        help="en: MiniLM (int8); zh: USE multilingual; auto (default): MiniLM if 95%% of rows are English",
    )
    parser.add_argument("--model", help="encoder name (see analytics.embeddings); overrides --language")
    parser.add_argument("--min-topic-size", type=int, help="smallest topic (default: 0.5%% of items)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr
    )
    for noisy in ("numba", "jieba", "sentence_transformers", "transformers", "httpx", "onnxruntime"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if (args.input is None) == (args.product is None):
        parser.error("give either an input file (with --output) or --product")
    if args.product is not None:
        return _analyse_database(args)
    if args.output is None:
        parser.error("an input file needs --output")
    try:
        frame = read_input(args.input, args.text_column, args.id_column)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with open(args.output, "a", encoding="utf-8"):
            pass  # fail now, not after minutes of work, when the output cannot be written
    except InputProblem as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot write {args.output}: {err.strerror}", file=sys.stderr)
        return 2

    from analytics.embeddings import load_encoder

    texts = frame[args.text_column].tolist()
    log.info("read %d rows from %s", len(texts), args.input)
    model = _model_for(args.language, args.model, texts)
    step = time.perf_counter()
    encoder = load_encoder(model)
    log.info("encoder %s loaded in %.1fs", encoder.model_id, time.perf_counter() - step)
    step = time.perf_counter()
    embeddings = encode_in_batches(encoder, texts, batch_size=128, progress=_terminal_progress("encoding"))
    log.info("encoded %d texts in %.1fs", len(texts), time.perf_counter() - step)
    log.info("compiling UMAP and HDBSCAN (numba, once per process) ...")
    warm_up(len(texts))
    result = fit_topics(texts, embeddings, min_topic_size=args.min_topic_size, seed=args.seed)
    if result.message:
        log.info("note: %s", result.message)
    out = result.labelled_documents()
    output = pd.DataFrame({"row": out["doc"]})
    if args.id_column:
        output.insert(0, args.id_column, frame[args.id_column].to_numpy())
    output["topic"] = out["topic"]
    output["key"] = out["key"]
    output["label"] = out["label"]
    output["probability"] = out["probability"].round(4)
    output.to_csv(args.output, index=False, encoding="utf-8")
    log.info(
        "wrote %d rows, %d topics, %.1f%% unclustered to %s",
        len(output),
        len(result.topics),
        100 * result.outlier_share,
        args.output,
    )
    return 0


def _analyse_database(args: argparse.Namespace) -> int:
    try:
        scope = find_scope(args.database_url, args.product, args.round)
        model = args.model or (None if args.language == "auto" else _model_for(args.language, None, []))
        summary = analyse(
            args.database_url, scope, model=model, min_topic_size=args.min_topic_size, seed=args.seed
        )
    except BatchProblem as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except pain_points.NoFeedback:
        print(f"error: there is no feedback to analyse in {args.product}", file=sys.stderr)
        return 2
    except DatabaseProblem as err:
        print(f"error: the database cannot be used ({err.kind}): {err.where}", file=sys.stderr)
        return 2
    log.info(
        "stored run %d for %s: %d items, %d topics, %.1f%% unclustered, %d newly embedded, in %.0fs",
        summary.run_id,
        scope.described,
        summary.items,
        summary.topics,
        100 * summary.outlier_share,
        summary.embedded,
        summary.seconds,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

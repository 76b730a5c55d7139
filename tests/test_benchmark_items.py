"""A rectification item with a model target is verified only when a benchmark run meets the target
with a significant change, on SQLite and PostgreSQL; the items list and the deck show the evidence."""

from __future__ import annotations

import pytest

from analytics import benchmark as bench
from db import benchmarks as repo
from db.engine import unit_of_work
from db.items import ItemError, NewItem, list_items, open_item, set_status
from db.migrate import upgrade
from db.workspace import create_product, create_round
from services import model_verification as benchmarks
from tests.benchmark_support import results_csv

# Slow: several comparisons and a migrated database per test (seconds each; CI runs it).
pytestmark = pytest.mark.slow

COLUMNS = bench.Columns(
    label="label",
    before="before",
    after="after",
    case_id="case_id",
    slices=("edge_case",),
    latency_before="latency_before",
    latency_after="latency_after",
)


@pytest.fixture
def product(engine):
    upgrade(engine)
    with unit_of_work(engine) as session:
        product_id = create_product(session, "LesionNet").id
        round_id = create_round(session, product_id, "Round 1").id
        item_id = open_item(session, round_id, NewItem("Find more lesions"), "ann").id
        set_status(session, item_id, "resolved", "ann")
    return {"engine": engine, "product": product_id, "round": round_id, "item": item_id}


def _run(engine, product_id: int, round_id: int, name: str, **kwargs: object) -> int:
    result = benchmarks.compare_file(results_csv(**kwargs), "results.csv", COLUMNS, resamples=500)
    with unit_of_work(engine) as session:
        return benchmarks.save_run(
            session,
            product_id=product_id,
            round_id=round_id,
            name=name,
            file_name="results.csv",
            columns=COLUMNS,
            result=result,
            actor="ann",
        )


def _verify(engine, item_id: int) -> str | None:
    try:
        with unit_of_work(engine) as session:
            set_status(session, item_id, "verified", "ann")
    except ItemError as err:
        return err.code
    return None


RECALL = repo.ModelTarget("recall", "lesion", baseline=70.0, target=80.0)


def test_verified_only_when_the_benchmark_meets_the_target_significantly(product):
    engine, item = product["engine"], product["item"]
    assert _verify(engine, item) == "needs_evidence"  # no model target, no evidence: as before
    flat = _run(engine, product["product"], product["round"], "no real change", right_after=0.71)
    with unit_of_work(engine) as session:
        record = benchmarks.record_evidence(session, item, flat, "ann", target=RECALL)
    assert record.judgement in ("not_significant", "wrong_direction")
    assert _verify(engine, item) == f"benchmark_{record.judgement}"

    better = _run(engine, product["product"], product["round"], "after the fix", right_after=0.86)
    with unit_of_work(engine) as session:
        record = benchmarks.record_evidence(session, item, better, "ann")
    assert record.judgement == "verifies" and record.after >= 0.80 and record.p_adj < 0.05
    assert record.test.startswith("McNemar's test")
    assert _verify(engine, item) is None
    with unit_of_work(engine) as session:
        items = list_items(session, product["round"])
        assert items.loc[0, "status"] == "verified" and not items.loc[0, "verification_lost"]
        assert items.loc[0, "benchmark_evidence"].run_name == "after the fix"
        history = repo.benchmark_history(session, item)
    assert [h.judgement for h in history] == [history[0].judgement, "verifies"]


def test_a_missed_target_or_a_target_changed_after_measuring_is_refused(product):
    engine, item = product["engine"], product["item"]
    run = _run(engine, product["product"], product["round"], "after the fix", right_after=0.86)
    with unit_of_work(engine) as session:
        record = benchmarks.record_evidence(
            session, item, run, "ann", target=repo.ModelTarget("recall", "lesion", target=99.0)
        )
    assert record.judgement == "target_missed"
    assert _verify(engine, item) == "benchmark_target_missed"
    with unit_of_work(engine) as session:
        benchmarks.record_evidence(session, item, run, "ann", target=RECALL)
        repo.set_model_target(session, item, repo.ModelTarget("recall", "lesion", target=82.0), "ann")
    assert _verify(engine, item) == "benchmark_target_changed"


def test_a_verified_item_is_flagged_when_a_newer_run_no_longer_verifies_it(product):
    engine, item = product["engine"], product["item"]
    good = _run(engine, product["product"], product["round"], "fix", right_after=0.86)
    with unit_of_work(engine) as session:
        benchmarks.record_evidence(session, item, good, "ann", target=RECALL)
    assert _verify(engine, item) is None
    worse = _run(engine, product["product"], product["round"], "regressed", seed=8, right_after=0.6)
    with unit_of_work(engine) as session:
        benchmarks.record_evidence(session, item, worse, "ann")
        items = list_items(session, product["round"])
    assert (
        bool(items.loc[0, "verification_lost"]) and items.loc[0, "benchmark_judgement"] == "wrong_direction"
    )


def test_latency_is_lower_is_better_and_slices_are_judged_on_holm_adjusted_p(product):
    engine, item = product["engine"], product["item"]
    run = _run(engine, product["product"], product["round"], "faster", right_after=0.86)
    with unit_of_work(engine) as session:
        record = benchmarks.record_evidence(
            session, item, run, "ann", target=repo.ModelTarget("latency_p95_ms", target=400.0)
        )
        assert record.direction == "lower" and record.diff < 0 and record.judgement == "verifies"
        sliced = benchmarks.record_evidence(
            session,
            item,
            run,
            "ann",
            target=repo.ModelTarget("accuracy", slice_column="edge_case", slice="blurred", target=80.0),
        )
        rows = repo.run_results(session, run)
    blurred = rows[(rows["metric"] == "accuracy") & (rows["slice"] == "blurred")].iloc[0]
    assert sliced.p_adj == pytest.approx(blurred["p_adj"]) and blurred["p_adj"] >= blurred["p_val"]
    assert sliced.judgement == (
        "verifies" if sliced.after >= 0.8 and sliced.p_adj < 0.05 else sliced.judgement
    )


def test_a_run_keeps_its_regressions_by_id_and_a_metric_the_run_lacks_is_refused(product):
    engine, item = product["engine"], product["item"]
    run = _run(engine, product["product"], product["round"], "after", right_after=0.86)
    with unit_of_work(engine) as session:
        regressions = repo.run_regressions(session, run)
        assert len(regressions) > 0 and set(regressions.columns) >= {"case_id", "label", "edge_case"}
        assert all(regressions["label"] == regressions["before"])
        assert all(regressions["label"] != regressions["after"])
        runs = repo.list_runs(session, product["product"])
        assert list(runs["name"]) == ["after"]
    with pytest.raises(ItemError) as err, unit_of_work(engine) as session:
        benchmarks.record_evidence(session, item, run, "ann", target=repo.ModelTarget("auc", "lesion"))
    assert err.value.code == "benchmark_metric_missing"


def test_the_deck_shows_the_model_evidence_beside_the_feedback_evidence(product):
    import io

    from pptx import Presentation

    from analytics import reports
    from analytics.wave_compare import compare_waves
    from db import waves as wave_repo
    from db.engine import make_engine
    from tests.verify_support import demo_database_url

    engine, item = product["engine"], product["item"]
    run = _run(engine, product["product"], product["round"], "after the fix", right_after=0.86)
    with unit_of_work(engine) as session:
        benchmarks.record_evidence(session, item, run, "ann", target=RECALL)
        items = list_items(session, product["round"])
    demo = make_engine(demo_database_url())  # any real comparison fills the deck's other slides
    with unit_of_work(demo) as session:
        results = compare_waves(wave_repo.wave_answers(session, [1, 2]), baseline=1, follow_up=2)
    demo.dispose()
    for lang, header, words in (
        ("en", "Model evidence: before → after", "recall of lesion: "),
        ("zh", "模型证据：修复前 → 后", "召回率（lesion）："),
    ):
        deck = reports.build_deck(
            reports.ReviewReport("LesionNet", "Round 1", "B", "F", results, items=items, lang=lang)
        )
        rows = [
            [c.text for c in row.cells]
            for slide in Presentation(io.BytesIO(deck)).slides
            for shape in slide.shapes
            if shape.has_table
            for row in shape.table.rows
        ]
        assert any(header in r for r in rows)
        item_row = next(r for r in rows if r[0] == "Find more lesions")
        assert words in item_row[-1] and "%" in item_row[-1]
        headline = " ".join(
            s.text_frame.text for s in Presentation(io.BytesIO(deck)).slides[1].shapes if s.has_text_frame
        )
        assert "Find more lesions" in headline and words in headline

"""The model benchmarks page through AppTest, on SQLite and PostgreSQL: upload the results before and
after a fix, read the comparison with its test and regressions, record it as evidence on an item, and
see both kinds of evidence side by side on the items page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from db.engine import unit_of_work
from db.items import ItemError, set_status
from tests.apphelpers import texts
from tests.benchmark_support import results_csv, results_frame
from tests.conftest import ROOT
from tests.test_items_page import app_db, click, item, open_items  # noqa: F401  (fixture)
from ui.auth import SignedIn

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow


def open_benchmarks(app_db: dict, role: str = "analyst", lang: str = "en") -> AppTest:  # noqa: F811
    at = AppTest.from_file(str(ROOT / "views" / "benchmarks.py"), default_timeout=180)
    at.session_state["lang"] = lang
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(app_db["users"][role], name, role)
    at.session_state["workspace_product_id"] = app_db["product"]
    at.session_state["workspace_round_id"] = app_db["round1"]
    return at.run()


def upload(at: AppTest, data: bytes, name: str = "lesion_results.csv") -> AppTest:
    at.file_uploader(key="bench_file").set_value((name, data, "text/csv"))
    return at.run()


def compare(at: AppTest, lang: str = "en") -> AppTest:
    at.selectbox(key="bench_id").set_value("case_id")
    at.multiselect(key="bench_slices").set_value(["edge_case"])
    at.number_input(key="bench_resamples").set_value(500)
    return click(at, "Compare and save" if lang == "en" else "比较并保存")


def test_upload_compare_and_record_as_evidence_that_verifies_the_item(app_db):  # noqa: F811
    at = compare(upload(open_benchmarks(app_db), results_csv(right_after=0.86)))
    assert not at.exception
    shown = texts(at)
    assert "Saved “lesion_results”: 600 cases" in shown
    table = at.dataframe[0].value
    assert "McNemar's test with continuity correction" in set(table["Test"])
    assert {"All cases", "edge_case: blurred"} <= set(table["Slice"])
    assert "Cases that went from right to wrong (regressions): " in shown
    regressions = at.dataframe[1].value
    assert len(regressions) > 0 and "Case id" in regressions.columns

    done = app_db["done"]
    at.selectbox(key="bench_item").set_value(done).run()
    metric = at.selectbox(key=f"bench_metric_{done}")
    recall = next(i for i, o in enumerate(metric.options) if o == "recall of lesion")
    metric.set_value(recall)
    at.number_input(key=f"bench_target_{done}").set_value(80.0)
    at = click(at, "Record the evidence")
    assert not at.exception
    assert f"Recorded on item #{done}: This benchmark evidence verifies the item" in texts(at)

    with unit_of_work(app_db["engine"]) as session:
        set_status(session, done, "verified", "ann")
    stored = item(app_db, done)
    assert stored.status == "verified" and stored.bench_metric == "recall" and stored.bench_target == 80.0
    assert stored.bench_baseline is not None and 60 < stored.bench_baseline < 80  # the run's "before"

    page = open_items(app_db, pick=done)
    assert not page.exception
    shown = texts(page)
    assert "Model benchmark evidence" in shown and "Users' feedback evidence" in shown
    assert "recall of lesion" in shown and "(significant)" in shown
    assert "Model evidence: before → after" in page.dataframe[0].value.columns


def test_a_target_the_run_misses_is_recorded_but_does_not_verify(app_db):  # noqa: F811
    at = compare(upload(open_benchmarks(app_db), results_csv(right_after=0.86)))
    done = app_db["done"]
    at.selectbox(key="bench_item").set_value(done).run()
    at.number_input(key=f"bench_target_{done}").set_value(99.5)  # accuracy, the first metric
    at = click(at, "Record the evidence")
    assert "has not reached the target of 99.5%" in texts(at)
    with pytest.raises(ItemError) as err, unit_of_work(app_db["engine"]) as session:
        set_status(session, done, "verified", "ann")
    assert err.value.code == "benchmark_target_missed"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_results_are_one_clear_line_in_the_users_language_and_nothing_is_stored(app_db, lang):  # noqa: F811
    frame = results_frame(40)
    frame.loc[3, "after"] = "lesoin"
    at = compare(upload(open_benchmarks(app_db, lang=lang), frame.to_csv(index=False).encode()), lang)
    errors = [e.value for e in at.error]
    expected = "predicts 'lesoin' (row 5)" if lang == "en" else "预测了“lesoin”（第 5 行）"
    assert len(errors) == 1 and expected in errors[0]
    assert (
        "This product has no benchmark results yet." if lang == "en" else "这个产品还没有基准测试结果"
    ) in texts(at)


def test_a_viewer_reads_runs_but_cannot_upload(app_db):  # noqa: F811
    at = open_benchmarks(app_db, role="viewer")
    assert not at.exception
    assert not at.get("file_uploader")
    assert "Your role can read benchmark results but not add them." in texts(at)

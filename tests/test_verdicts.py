"""One vocabulary for results: the category is decided once (analytics.verdicts.result_of, the ``result``
field of every row) and the page, the deck, the charts and the exports show that field, alike.

Before, the page, the deck and the charts each decided the category themselves, and the charts' version
differed: it called a measure that was not tested "no significant change". The tests below fail for any
surface that decides again instead of reading the field.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from analytics import charts_verify, reports
from analytics.questions import STANDARD
from analytics.verdicts import RESULT_COLOURS, RESULT_TONES, RESULTS, result_of
from analytics.wave_compare import compare_primary, compare_waves
from db import migrate
from db import waves as repo
from db.engine import make_engine, unit_of_work
from tests.conftest import ROOT
from tests.verify_support import answers_frame, demo_answers, small_workspace
from ui.auth import SignedIn
from ui.workspace import PRODUCT_KEY, ROUND_KEY

PAGE_WORDS = {  # the page's table (ui/strings/verify.py)
    "better": "significantly better",
    "worse": "significantly worse",
    "changed": "changed (neither better nor worse)",
    "unclear": "no significant change",
    "not_tested": "not tested",
}
DECK_WORDS = {
    "better": "Better",
    "worse": "Worse",
    "changed": "Changed (neither better nor worse)",
    "unclear": "No significant change",
    "not_tested": "Not tested",
}
BOX_COLOURS = {
    "success": "green",
    "error": "red",
    "info": "grey",
    "warning": "amber",
}  # what each box reads as


@pytest.mark.parametrize(
    ("status", "significant", "direction", "expected"),
    [
        ("ok", True, 1.0, "better"),
        ("ok", True, -1.0, "worse"),
        ("ok", False, 1.0, "unclear"),
        ("ok", False, 0.0, "unclear"),
        ("too_few", False, 0.0, "not_tested"),
        ("no_variation", False, 0.0, "not_tested"),  # "no change", but nothing was tested
        ("no_data", False, 0.0, "not_tested"),
        ("error", False, 0.0, "not_tested"),
    ],
)
def test_the_category_follows_the_documented_rule(status, significant, direction, expected):
    assert result_of(status, significant, direction) == expected


def test_every_row_carries_its_category_and_an_untested_row_is_never_called_unclear():
    demo = compare_waves(demo_answers(), baseline=1, follow_up=2)
    small = compare_waves(answers_frame([3, 4, 2], [4, 5]), baseline=1, follow_up=2)
    for result in (demo, small):
        assert set(result["result"]) <= set(RESULTS)
        for row in result.to_dict("records"):
            assert row["result"] == result_of(row["status"], row["significant"], row["direction"])
    assert set(small["result"]) == {"not_tested"}  # the charts' old rule said "unclear" here
    assert {"better", "unclear"} <= set(demo["result"])


def test_each_category_has_one_look():
    assert set(RESULT_TONES) == set(RESULT_COLOURS) == set(RESULTS)
    assert len(set(RESULT_COLOURS.values())) == len(RESULTS)
    # Four kinds of message box for five categories: a shift between options shares the neutral box
    # with "no significant change", and its colour, icon and words tell it apart.
    assert len({RESULT_TONES[k] for k in RESULTS if k != "changed"}) == len(RESULTS) - 1
    assert RESULT_TONES["changed"] == RESULT_TONES["unclear"] == "info"
    assert {BOX_COLOURS[RESULT_TONES[k]] for k in ("better", "worse")} == {"green", "red"}
    assert RESULT_COLOURS["better"] == "#1e8449" and RESULT_COLOURS["worse"] == "#c0392b"  # green, red
    for key, colour in charts_verify.VERDICT_COLOURS.items():
        assert colour == RESULT_COLOURS[key]
    for key in RESULTS:
        assert f"#{reports.result_colour(key)}" == RESULT_COLOURS[key].upper()


# --- every surface reads the field -------------------------------------------------------------------


def _deck_results(deck: bytes) -> dict[str, tuple[str, str]]:
    """Measure -> (result word, its colour) from the deck's results slides."""
    found: dict[str, tuple[str, str]] = {}
    for slide in Presentation(io.BytesIO(deck)).slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            header = [c.text for c in shape.table.rows[0].cells]
            if (header[0], header[-1]) != ("Measure", "Result"):  # the results table, not another
                continue
            for row in list(shape.table.rows)[1:]:
                cell = row.cells[len(row.cells) - 1]
                colour = cell.text_frame.paragraphs[0].font.color.rgb
                found[row.cells[0].text] = (cell.text, f"#{colour}")
    return found


def _chart_colours(spec: dict, rows: list[dict]) -> dict[str, str]:
    """Measure -> the colour its point is drawn in, from a difference chart's spec and data."""
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    colour_of = dict(zip(scale["domain"], scale["range"], strict=True))
    return {r["measure_label"]: colour_of[r["result_label"]] for r in rows}


def test_the_deck_the_exports_and_the_chart_show_the_rows_category_and_never_decide_again():
    answers = demo_answers()
    results = compare_waves(answers, baseline=1, follow_up=2)
    # Give every category to some row, against its figures: a surface that decides again shows otherwise.
    tested = results.index[(results["status"] == "ok") & (results["kind"] == "likert")]
    swapped = {"better": "worse", "worse": "better", "unclear": "better"}
    shown = results.copy()
    for i in tested:
        shown.at[i, "result"] = swapped[results.at[i, "result"]]
    untested = results.index[results["kind"] == "top2box"][0]
    shown.at[untested, "result"] = "not_tested"
    expected = dict(zip(shown["label_en"], shown["result"], strict=True))

    deck = _deck_results(reports.build_deck(reports.ReviewReport("P", "R", "B", "F", shown)))
    assert {label: word for label, (word, _) in deck.items()} == {
        k: DECK_WORDS[v] for k, v in expected.items()
    }
    assert {label: colour for label, (_, colour) in deck.items()} == {
        k: RESULT_COLOURS[v].upper() for k, v in expected.items()
    }
    table = reports.results_table(shown, "en")
    assert dict(zip(table["label"], table["result"], strict=True)) == {
        k: DECK_WORDS[v] for k, v in expected.items()
    }
    chart = charts_verify.standard_charts(answers, shown, baseline=1, follow_up=2)["difference"].to_dict()
    drawn = _chart_colours(chart, next(iter(chart["datasets"].values())))
    assert drawn == {label: RESULT_COLOURS[expected[label]] for label in drawn}
    assert set(drawn) == set(shown.loc[tested, "label_en"])  # untested rows are not drawn


def test_the_answer_chart_legend_names_points_by_position_not_one_wording():
    # The standard questionnaire mixes wordings (quality; "it solved my problem" on agreement): one
    # legend of "very poor ... very good" would misname the agreement answers.
    answers = demo_answers()
    results = compare_waves(answers, baseline=1, follow_up=2)
    for lang, low, high in (("en", "1 lowest", "5 highest"), ("zh", "1 最低", "5 最高")):
        spec = charts_verify.standard_charts(answers, results, baseline=1, follow_up=2, lang=lang)
        legend = json.dumps(spec["distribution"].to_dict(), ensure_ascii=False)
        assert low in legend and high in legend
        assert "very poor" not in legend and "很差" not in legend


# --- the page, the deck and the chart of one comparison, for every category ------------------------


def _answers(n: int, values: dict[str, list[int]]) -> list[dict[str, float]]:
    return [{code: float(v[i % len(v)]) for code, v in values.items()} for i in range(n)]


BASELINE = {
    "accuracy": [2, 3],  # rises: better
    "ease_of_use": [4, 5],  # falls: worse
    "response_speed": [3, 4],  # the same: no significant change
    "problem_resolution": [4],  # every answer 4 in both waves: not tested
    "csat": [2, 3, 4],
    "nps": [5, 9, 7],
}
FOLLOW_UP = {**BASELINE, "accuracy": [4, 5], "ease_of_use": [2, 3], "response_speed": [4, 3]}


def _vega_charts(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """Each chart's spec and the rows of its first layer, as the browser gets them."""
    charts = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        name = spec.get("layer", [{}])[0].get("data", {}).get("name")
        rows: list[dict] = []
        for dataset in chart.proto.datasets:
            if dataset.name == name:
                rows = pa.ipc.open_stream(dataset.data.data).read_pandas().to_dict("records")
        charts.append((spec, rows))
    return charts


def test_the_page_the_deck_and_the_chart_agree_for_every_category(monkeypatch, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'categories.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    ws = small_workspace(engine, _answers(30, BASELINE), _answers(30, FOLLOW_UP))
    with unit_of_work(engine) as session:
        answers = repo.wave_answers(session, [ws.baseline_id, ws.follow_up_id])
    engine.dispose()
    # The page compares the survey's own questions (the standard questionnaire here).
    asked = [q for q in STANDARD if q.kind != "text"]
    results = compare_primary(
        answers, baseline=ws.baseline_id, follow_up=ws.follow_up_id, questions=asked
    ).results
    # Every category of the standard questionnaire is on the page ("changed" needs a choice question:
    # tests/test_before_after_own.py shows it).
    assert set(results["result"]) == set(RESULTS) - {"changed"}

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "before_after.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state["auth_user"] = SignedIn(1, "ada", "admin")
    at.session_state[PRODUCT_KEY], at.session_state[ROUND_KEY] = ws.product_id, ws.round_id
    at.run()
    assert not at.exception
    # The verdict stands in the box of its category, the table names it.
    boxes = {tone: [e.value for e in getattr(at, tone)] for tone in set(RESULT_TONES.values())}
    table = at.dataframe[0].value.set_index("Measure")
    for row in results.to_dict("records"):
        assert row["verdict_en"] in boxes[RESULT_TONES[row["result"]]], row["label_en"]
        assert table.at[row["label_en"], "Result"] == PAGE_WORDS[row["result"]]
    # The chart colours each tested Likert measure as its category.
    spec, data = next((s, d) for s, d in _vega_charts(at) if "Change: follow-up" in json.dumps(s))
    likert = results[(results["kind"] == "likert") & (results["status"] == "ok")]
    assert _chart_colours(spec, data) == {
        r["label_en"]: RESULT_COLOURS[r["result"]] for r in likert.to_dict("records")
    }
    # The deck names each row's category, in its colour.
    at.button(key="verify_prepare").click().run()
    assert not at.exception
    deck = _deck_results(at.session_state["verify_export"]["deck"])
    assert deck == {
        r["label_en"]: (DECK_WORDS[r["result"]], RESULT_COLOURS[r["result"]].upper())
        for r in results.to_dict("records")
    }

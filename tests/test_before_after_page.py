"""The before/after page as a user sees it: verdicts, charts, too few answers, zh/en, topic, audited exports.

AppTest reruns a page script directly (see tests/apphelpers.py), so the page is opened on its own
with a signed-in user and the workspace choice the sidebar would have made.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from pptx import Presentation
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from analytics.slide_layout import TITLE_NAME
from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import AuditEvent, Feedback, FeedbackTopic, Topic, TopicRun
from db.workspace import create_product, create_round
from tests.apphelpers import ensure_staff, texts
from tests.conftest import ROOT
from tests.verify_support import SmallWorkspace, demo_database_url, likert_rows, small_workspace
from ui.auth import SignedIn
from ui.workspace import PRODUCT_KEY, ROUND_KEY

# Slow: runs the page through AppTest on analysed waves: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

PAGE = str(ROOT / "views" / "before_after.py")


def open_page(
    monkeypatch,
    url: str,
    *,
    lang: str = "en",
    product_id: int | None = 1,
    round_id: int | None = 1,
    role: str = "admin",
) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    if role:
        ensure_staff(url, SignedIn(1, "ada", role))
        at.session_state["auth_user"] = SignedIn(1, "ada", role)
    if product_id is not None:
        at.session_state[PRODUCT_KEY] = product_id
        at.session_state[ROUND_KEY] = round_id or 0
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _audit_events(url: str) -> list[AuditEvent]:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "export.before_after")))
    engine.dispose()
    return events


def test_the_demo_tells_its_story_in_english(monkeypatch):
    at = open_page(monkeypatch, demo_database_url())
    assert not at.exception
    shown = metrics(at)
    assert (shown["Baseline responses"], shown["Follow-up responses"], shown["Answered both"]) == (
        "222",
        "203",
        "124",
    )
    better = [s.value for s in at.success]
    unclear = [i.value for i in at.info]
    assert any(v.startswith("Accuracy improved significantly") for v in better)
    assert any(v.startswith("Ease of use: no significant change") for v in unclear)
    assert not any("Ease of use" in v for v in better)
    page = texts(at)
    assert "Paired: 124 respondents answered both waves" in page and "not its cause" in page
    # results, their sensitivity check, the same weighted to the demo's user list, and the planner
    assert len(at.dataframe) == 4
    assert "Weighted to the user list" in page
    assert "Respondents not in the list, left unweighted: 0 in the baseline, 0 in the follow-up" in page
    assert len(at.get("vega_lite_chart")) == 4
    table = at.dataframe[0].value
    assert "Wilcoxon signed-rank test" in set(table["Test"]) and "significantly better" in set(
        table["Result"]
    )


def test_the_page_speaks_chinese(monkeypatch):
    at = open_page(monkeypatch, demo_database_url(), lang="zh")
    assert not at.exception
    assert {"基线回答", "复测回答", "两次都回答"} <= set(metrics(at))
    assert any(s.value.startswith("准确性显著提升") for s in at.success)
    assert any(i.value.startswith("易用性无显著变化") for i in at.info)
    assert "配对分析：124 名受访者" in texts(at) and "李克特" in texts(at)


def test_the_segment_can_be_changed_and_pairing_is_no_toggle(monkeypatch):
    at = open_page(monkeypatch, demo_database_url())
    assert [r.key for r in at.radio] == ["verify_topic_source"]  # no switch that swaps the headline analysis
    at.selectbox(key="verify_segment").set_value("doctor")
    at.button(key="verify_compare").click().run()
    assert not at.exception
    shown = metrics(at)
    assert 0 < int(shown["Baseline responses"]) < 222 and 0 < int(shown["Follow-up responses"]) < 203
    assert "Primary analysis" in texts(at) and "Sensitivity" in texts(at)


def test_the_same_wave_twice_is_refused(monkeypatch):
    at = open_page(monkeypatch, demo_database_url())
    at.selectbox(key="verify_follow_up").set_value(1)
    at.button(key="verify_compare").click().run()
    assert not at.exception and [e.value for e in at.error] == ["Pick two different waves."]


def test_a_round_with_one_wave_offers_every_wave_of_the_product(monkeypatch):
    at = open_page(monkeypatch, demo_database_url(), round_id=2)
    assert not at.exception
    assert "The selected round has 1 wave(s)" in texts(at)
    assert metrics(at)["Answered both"] == "124"  # the round-1 pair, picked by default


def test_waves_with_too_few_answers_say_so_in_both_languages(monkeypatch, db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    ws = small_workspace(engine, likert_rows([3, 4, 2]), likert_rows([4, 5]), shared=2)
    engine.dispose()
    at = open_page(monkeypatch, db_url, product_id=ws.product_id, round_id=ws.round_id)
    assert not at.exception
    assert any(w.value.startswith("Too few answers: Follow-up has only 2 response(s)") for w in at.warning)
    assert any("not tested: only 2 answer(s) in the follow-up wave" in w.value for w in at.warning)
    assert not at.success and not any("significant" in i.value for i in at.info)
    at = open_page(monkeypatch, db_url, lang="zh", product_id=ws.product_id, round_id=ws.round_id)
    assert not at.exception
    assert any(w.value.startswith("回答太少") for w in at.warning)
    assert any("未检验" in w.value for w in at.warning)


def test_no_product_or_no_waves_get_a_message(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    at = open_page(monkeypatch, url, product_id=None)
    assert not at.exception and "No product yet" in texts(at)
    with unit_of_work(engine) as session:
        product = create_product(session, "Empty")
    engine.dispose()
    at = open_page(monkeypatch, url, product_id=product.id, round_id=None)
    assert not at.exception and "does not have two survey waves" in texts(at)


def test_a_signed_out_visitor_is_refused_and_a_viewer_may_read(monkeypatch):
    at = open_page(monkeypatch, demo_database_url(), role="")
    assert [e.value for e in at.error] == ["Please log in first."]
    at = open_page(monkeypatch, demo_database_url(), role="viewer")
    assert not at.exception and not at.error and at.success


def test_a_pain_point_by_keywords_before_and_after(monkeypatch):
    at = open_page(monkeypatch, demo_database_url())
    assert "There is no topic run for" in texts(at)
    at.text_input(key="verify_topic_keywords").input("剂量, dosage")
    at.button(key="verify_topic_submit").click().run()
    assert not at.exception
    shown = metrics(at)
    assert shown["Share before"].endswith("%") and shown["Share after"].endswith("%")
    assert float(shown["Share after"].rstrip("%")) < float(shown["Share before"].rstrip("%"))
    page = texts(at)
    assert "Feedback about 剂量, dosage" in page and "respondents wrote feedback about it" in page
    assert "Mentioned it" in page and "Everyone else" in page


def test_a_pain_point_by_topic_when_a_run_exists(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'topics.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    ws = small_workspace(
        engine, likert_rows([3, 4, 2, 5, 3, 4]), likert_rows([4, 5, 4, 5, 3, 4]), with_topics=True
    )
    engine.dispose()
    at = open_page(monkeypatch, url, product_id=ws.product_id, round_id=ws.round_id)
    assert not at.exception and "There is no topic run" not in texts(at)
    assert at.radio(key="verify_topic_source").options == ["Topic", "Category", "Keywords"]
    at.button(key="verify_topic_submit").click().run()
    assert not at.exception and "Dosage errors" in texts(at)


def test_exports_are_offered_and_every_download_is_audited(monkeypatch):
    url = demo_database_url()
    before = len(_audit_events(url))
    at = open_page(monkeypatch, url)
    assert [b.label for b in at.download_button] == ["Results CSV", "Results XLSX"]
    at.download_button(key="verify_dl_csv").click().run()
    assert not at.exception
    events = _audit_events(url)
    assert len(events) == before + 1
    detail = events[-1].detail
    assert (
        events[-1].actor == "ada"
        and detail["format"] == "csv"
        and (detail["baseline"], detail["follow_up"]) == (1, 2)
    )
    at.button(key="verify_prepare").click().run()
    assert not at.exception
    assert [b.label for b in at.download_button][2:] == ["Deck (PPTX)", "Charts PNG + SVG (zip)"]
    at.download_button(key="verify_dl_deck").click().run()
    assert [e.detail["format"] for e in _audit_events(url)][-2:] == ["csv", "pptx"]
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) >= before + 2
    engine.dispose()


# --- one set of numbers: verdict, chart, table and deck describe the same respondents --------------


def _waves_where_pairing_matters() -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """30 people answer both waves (NPS 0 -> +33 among them); 10 more per wave move all answers to -25 -> +50."""
    baseline = likert_rows([3, 4, 2] * 10, [9, 7, 3] * 10) + likert_rows([1] * 10, [2] * 10)
    follow_up = likert_rows([4, 4, 3] * 10, [9, 9, 3] * 10) + likert_rows([5] * 10, [10] * 10)
    return baseline, follow_up


def _nps_chart(at: AppTest) -> tuple[dict, pd.DataFrame]:
    """The NPS chart's spec and data, as the browser gets them."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if '"NPS"' in chart.proto.spec and "Promoters" in chart.proto.spec:
            data = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
            return spec, data
    raise AssertionError("no NPS chart on the page")


def test_verdict_chart_table_and_deck_show_the_same_nps_of_the_same_respondents(monkeypatch, db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    ws = small_workspace(engine, *_waves_where_pairing_matters(), shared=30)
    engine.dispose()
    at = open_page(monkeypatch, db_url, product_id=ws.product_id, round_id=ws.round_id)
    assert not at.exception
    page = texts(at)
    # The page says which analysis is primary and why.
    assert "Primary analysis: paired. 30 respondents answered both waves (at least 20" in page
    # The verdict: paired NPS 0 -> 33 on 30 respondents.
    verdict = next(v.value for v in [*at.success, *at.info, *at.error] if v.value.startswith("NPS"))
    assert "0 → 33" in verdict and "30 paired respondents" in verdict
    # The chart: the same two figures, from the same 30 people per wave, labelled with who they are.
    spec, data = _nps_chart(at)
    assert spec["spec"]["layer"][0]["encoding"]["y"]["sort"] == ["Baseline (NPS +0)", "Follow-up (NPS +33)"]
    assert set(data["n"]) == {30}
    assert "Paired: 30 respondents who answered both waves" in json.dumps(spec["title"])
    # The table: the same figures and n.
    table = at.dataframe[0].value.set_index("Measure")
    assert (table.at["NPS", "Before"], table.at["NPS", "After"], table.at["NPS", "n"]) == ("+0", "+33", "30")
    assert "The figures describe: Paired: 30 respondents who answered both waves" in page
    # The other analysis is a sensitivity line, not a switch.
    assert (
        "Sensitivity, all answers as independent groups (40 baseline, 40 follow-up): NPS \u221225 → 50"
        in page
    )
    assert "Pairing" not in [r.label for r in at.radio]
    sensitivity = at.dataframe[1].value.set_index("Measure")
    assert (sensitivity.at["NPS", "Before"], sensitivity.at["NPS", "After"]) == ("-25", "+50")

    # The deck carries the primary figures, labelled, as the page shows them.
    at.button(key="verify_prepare").click().run()
    assert not at.exception
    slides = [
        "\n".join(
            [s.text_frame.text for s in slide.shapes if s.has_text_frame]
            + [c.text for s in slide.shapes if s.has_table for row in s.table.rows for c in row.cells]
        )
        for slide in Presentation(io.BytesIO(at.session_state["verify_export"]["deck"])).slides
    ]
    assert "Paired: 30 respondents who answered both waves" in slides[0]
    deck_verdicts = "\n".join(s for s in slides if s.startswith("Verdicts"))
    assert verdict in deck_verdicts and "Paired: 30 respondents who answered both waves" in deck_verdicts
    results = "\n".join(s for s in slides if s.startswith("Results"))  # rows may spread over slides
    assert "Paired: 30 respondents who answered both waves" in results
    nps_row = results.split("\nNPS\n", 1)[1].split("\n")[:5]
    assert nps_row[1:4] == ["30", "0", "33"]  # test, n, before, after
    sensitivity_slide = "\n".join(s for s in slides if s.startswith("Sensitivity check"))
    assert "NPS \u221225 → 50" in sensitivity_slide and "Primary analysis: paired" in sensitivity_slide

    zh = open_page(monkeypatch, db_url, lang="zh", product_id=ws.product_id, round_id=ws.round_id)
    assert not zh.exception
    assert "主要分析：配对。30 名受访者回答了两个批次" in texts(zh)
    assert "敏感性分析（全部回答按独立样本：基线 40 人，复测 40 人）：NPS 净推荐值 \u221225 → 50" in texts(zh)


# --- the compared round's data only ------------------------------------------------------------------


def _two_rounds(url: str) -> tuple[SmallWorkspace, int]:
    """Round A (compared, no topic run of its own) and round B of one product; feedback of both rounds.

    An analysis of all rounds (2026-04-01) put round A's items in "Dosage errors" and round B's in
    "Login fails"; a newer analysis of round B alone found "Slow export". Of round A, one item in the
    periods was stored after the all-rounds analysis and one before it without being analysed.
    """
    engine = make_engine(url)
    migrate.upgrade(engine)
    ws = small_workspace(engine, likert_rows([3, 4, 2, 5, 3, 4]), likert_rows([4, 5, 4, 5, 3, 4]))
    with unit_of_work(engine) as session:
        round_b = create_round(session, ws.product_id, "Round B", date(2026, 4, 1), date(2026, 6, 30)).id
        day = datetime(2026, 1, 20, 9, tzinfo=UTC)
        plan = [  # (text, round, days after Jan 20, stored on, topic of the all-rounds run)
            *((f"dosage wrong {i}", ws.round_id, i * 7, "2026-03-30", "dosage") for i in range(8)),
            ("dosage late", ws.round_id, 40, "2026-04-02", None),
            ("never analysed", ws.round_id, 41, "2026-03-30", None),
            *((f"login fails {i}", round_b, 3 + i * 9, "2026-03-30", "login") for i in range(5)),
        ]
        store_feedback(
            session,
            [
                FeedbackIn(ws.product_id, "in_app", text, day + timedelta(days=d), round_id=r)
                for text, r, d, _, _ in plan
            ],
        )
        ids = {
            f.text: f for f in session.scalars(select(Feedback).where(Feedback.product_id == ws.product_id))
        }
        for text, _, _, stored, _ in plan:
            ids[text].stored_at = datetime.fromisoformat(stored).replace(tzinfo=UTC)
        everything = TopicRun(
            product_id=ws.product_id,
            round_id=None,
            model_id="test",
            n_docs=13,
            created_at=datetime(2026, 4, 1, tzinfo=UTC),
        )
        newer_b = TopicRun(
            product_id=ws.product_id,
            round_id=round_b,
            model_id="test",
            n_docs=5,
            created_at=datetime(2026, 5, 1, tzinfo=UTC),
        )
        session.add_all([everything, newer_b])
        session.flush()
        topics = {
            "dosage": Topic(run_id=everything.id, key="dosage", label="Dosage errors", size=8),
            "login": Topic(run_id=everything.id, key="login", label="Login fails", size=5),
            "export": Topic(run_id=newer_b.id, key="export", label="Slow export", size=5),
        }
        session.add_all(topics.values())
        session.flush()
        for text, _, _, _, key in plan:
            if key:
                session.add(
                    FeedbackTopic(run_id=everything.id, feedback_id=ids[text].id, topic_id=topics[key].id)
                )
                if key == "login":
                    session.add(
                        FeedbackTopic(
                            run_id=newer_b.id, feedback_id=ids[text].id, topic_id=topics["export"].id
                        )
                    )
    engine.dispose()
    return ws, round_b


def test_round_a_uses_round_a_topics_and_counts_say_what_they_count(monkeypatch, db_url):
    ws, _ = _two_rounds(db_url)
    at = open_page(monkeypatch, db_url, product_id=ws.product_id, round_id=ws.round_id)
    assert not at.exception
    # Round A's topics (from the analysis of all rounds), not round B's newer run.
    assert "Round A has no topic analysis of its own" in texts(at)
    labels = at.selectbox(key="verify_topic_key").options
    assert labels == ["Dosage errors (8 items)"]
    suffix = f"{ws.baseline_id}_{ws.follow_up_id}"
    at.date_input(key=f"verify_topic_start_{suffix}").set_value(date(2026, 1, 1))
    at.date_input(key=f"verify_topic_fix_{suffix}").set_value(date(2026, 2, 15))
    at.date_input(key=f"verify_topic_end_{suffix}").set_value(date(2026, 3, 31))
    at.button(key="verify_topic_submit").click().run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith(
            "1 feedback item(s) of Round A in these periods were stored after the pain-point analysis"
        )
        for c in captions
    )
    assert any(c.startswith("5 feedback item(s) in these periods belong to other rounds") for c in captions)
    assert any(
        c.startswith("1 feedback item(s) of Round A in these periods were stored before") for c in captions
    )
    assert not any("arrived after the newest" in c for c in captions)
    # Shares count round A's analysed items only: 8 items, all about dosage.
    shown = metrics(at)
    assert (shown["Share before"], shown["Share after"]) == ("100.0%", "100.0%")

    at.button(key="verify_prepare").click().run()
    assert not at.exception
    deck = Presentation(io.BytesIO(at.session_state["verify_export"]["deck"]))
    titles = [_slide_title(slide) for slide in deck.slides]
    pain = [
        [c.text for c in row.cells]
        for slide, title in zip(deck.slides, titles, strict=True)
        if title.startswith("Top pain points")
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
    ]
    assert "Top pain points: Round A, 8 analysed feedback items" in titles
    assert pain[1:] == [["Dosage errors", "8", "100%"]]


def _slide_title(slide) -> str:  # type: ignore[no-untyped-def]
    """A slide's title: slides are blank, their title a text box named slide_layout.TITLE_NAME."""
    return next((shape.text_frame.text for shape in slide.shapes if shape.name == TITLE_NAME), "")

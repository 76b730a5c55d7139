"""The before/after page as a user sees it: verdicts, charts, too few answers, zh/en, topic, audited exports.

AppTest reruns a page of pages/ directly (see tests/apphelpers.py), so the page is opened on its own
with a signed-in user and the workspace choice the sidebar would have made.
"""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import AuditEvent
from db.workspace import create_product
from tests.apphelpers import texts
from tests.conftest import ROOT
from tests.verify_support import demo_database_url, likert_rows, small_workspace
from ui.auth import SignedIn
from ui.workspace import PRODUCT_KEY, ROUND_KEY

PAGE = str(ROOT / "pages" / "before_after.py")


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
    assert len(at.dataframe) == 2  # results and planner
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


def test_pairing_and_segment_can_be_changed(monkeypatch):
    at = open_page(monkeypatch, demo_database_url())
    at.radio(key="verify_pairing").set_value("independent")
    at.selectbox(key="verify_segment").set_value("doctor")
    at.button(key="verify_compare").click().run()
    assert not at.exception
    shown = metrics(at)
    assert 0 < int(shown["Baseline responses"]) < 222 and 0 < int(shown["Follow-up responses"]) < 203
    assert any(
        "Mann-Whitney U test" in v for v in [*(s.value for s in at.success), *(i.value for i in at.info)]
    )
    assert "Independent (as asked)" in texts(at)


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
    assert "There is no topic run for this product yet" in texts(at)
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

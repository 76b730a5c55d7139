"""The overview says what to do now, on the demo data and on a small workspace, in the workspace's time zone.

What the change section shows must be what the before/after page shows for the same waves, and the top
pain points what the pain-points page ranks first: both are read off those pages here, not recomputed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.migrate import upgrade
from db.models import AppSetting, AuditEvent
from db.surveys import add_response, create_survey_from_template, open_wave
from db.users import create_user
from db.workspace import WorkspaceError, create_product, create_round, set_time_zone, time_zone
from services.demo import demo_product_id, load_demo, remove_demo
from tests.apphelpers import PASSWORD, create_admin, log_in, open_app, texts, through_app

# Slow: runs the app through AppTest, one test loads the demo with its analysis (CI runs them).
pytestmark = pytest.mark.slow

MARKS = ("▲", "▼", "◆", "＝", "·")


def change_metrics(at: AppTest) -> list:
    """The metrics of the change section: the only ones with a change beside them."""
    return [m for m in at.metric if m.proto.delta]


def verdict_words(at: AppTest) -> list[str]:
    """The verdict captions under the change metrics, in order, without their mark."""
    return [c.value[2:] for c in at.caption if c.value[:1] in MARKS and c.value[1:2] == " "]


def boxes(at: AppTest) -> set[str]:
    return {str(el.value) for kind in ("success", "info", "warning", "error") for el in getattr(at, kind)}


def test_the_overview_says_what_to_do_now_on_the_demo(monkeypatch, db_url):
    at = create_admin(open_app(monkeypatch, db_url))
    at.button(key="home_demo_load").click().run()
    at = through_app(at)
    assert not at.exception

    # The change since the previous wave, per measure, with its verdict in words.
    changes = change_metrics(at)
    labels = [m.label for m in changes]
    assert labels == [
        "Accuracy",
        "Ease of use",
        "Response speed",
        "Problem resolution",
        "Overall satisfaction",
        "NPS",
    ]
    verdicts = dict(zip(labels, verdict_words(at), strict=True))
    # The demo plants a real improvement of accuracy and problem resolution, none of ease of use.
    assert verdicts["Accuracy"] == verdicts["Problem resolution"] == "significantly better"
    assert verdicts["Ease of use"] == "no significant change"
    assert changes[0].proto.delta.startswith("+")
    # Only a tested change is coloured: response speed's small drop is grey, not an alarm in red.
    colour = {m.label: m.proto.color for m in changes}
    assert colour["Accuracy"] == MetricProto.MetricColor.GREEN
    assert changes[2].proto.delta.startswith("-") and colour["Response speed"] == MetricProto.MetricColor.GRAY
    assert "Round 1 baseline → " in texts(at) and "Paired: " in texts(at)
    # The demo opens on round 2, which has one wave: the overview says its waves come from all rounds.
    assert "The selected round has 1 wave(s)" in texts(at)
    sentences = {m.label: m.proto.help for m in changes}

    # Overdue items (all three of round 2 are past due) are links to the item itself.
    links = [link for link in at.get("page_link") if link.proto.page == "items"]
    assert "3 rectification item(s) overdue:" in texts(at)
    assert [link.value.split(" ")[0] for link in links] == ["#5", "#6", "#7"]
    assert all("(due 2026-11-" in link.value for link in links)
    assert [link.proto.query_string for link in links] == ["item=5", "item=6", "item=7"]

    # The top three pain points, with a trend, in the order the pain-points page ranks them.
    top = at.dataframe[0].value
    assert len(top) == 3 and top["Trend (last 4 weeks)"].str.len().gt(0).all()
    assert all(len(weeks) > 4 for weeks in top["Weekly share"])
    overview_top = top["Pain point"].tolist()
    assert "This round has not been analysed on its own" in texts(at)  # the demo has one run, of all rounds

    # The before/after page, opened on the same waves, says the same sentence for every measure.
    at.switch_page("views/before_after.py").run()
    assert not at.exception
    assert set(sentences.values()) <= boxes(at)

    # The pain-points page (all rounds: the run the overview used) ranks the same three first.
    at.switch_page("views/pain_points.py").run()
    at.selectbox(key="workspace_round_select_1").set_value(0).run()
    ranked = next(df.value for df in at.dataframe if "Topic" in df.value.columns)
    assert ranked["Topic"].head(3).tolist() == overview_top

    # Following an overdue link opens that item on the items page.
    at.query_params["item"] = "6"
    at.switch_page("views/items.py").run()
    assert not at.exception
    assert at.selectbox(key="items_pick").value == 6
    assert any(h.value.startswith("#6 ") for h in at.subheader)


def test_the_overview_speaks_chinese_with_verdict_words(monkeypatch, db_url):
    """Small workspace: two waves of the template survey; the verdicts and the headings in Chinese."""
    engine = make_engine(db_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
        rnd = create_round(session, pid, "Round 1")
        survey = create_survey_from_template(session, pid, "Satisfaction")
        before = open_wave(session, survey.id, rnd.id, "baseline", "Before", opens_on=date(2026, 4, 1))
        after = open_wave(session, survey.id, rnd.id, "follow_up", "After", opens_on=date(2026, 7, 1))
        for i in range(30):  # accuracy rises for everyone; ease of use stays put
            add_response(session, before.id, f"r{i}", {"accuracy": 2 + i % 2, "ease_of_use": 3 + i % 2})
            add_response(session, after.id, f"r{i}", {"accuracy": 4 + i % 2, "ease_of_use": 3 + i % 2})
        create_user(session, "ada", PASSWORD, "admin", actor="test")
    engine.dispose()
    at = log_in(open_app(monkeypatch, db_url, lang="zh"), "ada")
    assert not at.exception
    assert "现在该做什么" in texts(at) and "与上一批次相比" in texts(at)
    verdicts = dict(zip([m.label for m in change_metrics(at)], verdict_words(at), strict=False))
    assert verdicts["准确性"] == "显著提升"
    assert verdicts["易用性"] == "无显著变化"
    assert "还没有痛点分析" in texts(at)  # no analysis yet: said, not an empty table


def test_one_respondent_gives_a_note_not_a_headline(monkeypatch, db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
        rnd = create_round(session, pid, "Round 1")
        survey = create_survey_from_template(session, pid, "Satisfaction")
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Pilot", opens_on=date(2026, 4, 1))
        add_response(session, wave.id, "only-one", {"accuracy": 1, "ease_of_use": 2})
        create_user(session, "ada", PASSWORD, "admin", actor="test")
    engine.dispose()
    at = log_in(open_app(monkeypatch, db_url), "ada")
    assert not at.exception
    assert "Pilot (baseline) has only 1 respondent(s) so far: too few for a score." in texts(at)
    assert "1 respondents" not in texts(at)
    assert not [m for m in at.metric if m.value.endswith("/ 5")]  # no mean of one person
    assert "There are not yet two survey waves to compare." in texts(at)


def _feedback_workspace(db_url: str) -> int:
    engine = make_engine(db_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
        rid = create_round(session, pid, "Round 1").id
        moment = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)  # already 2 March in Shanghai
        store_feedback(session, [FeedbackIn(pid, "in_app", "crashes on upload", moment, round_id=rid)])
        create_user(session, "ada", PASSWORD, "admin", actor="test")
    engine.dispose()
    return pid


def _browser_rows(at: AppTest) -> list[dict]:
    at.switch_page("views/feedback_browser.py").run()
    assert not at.exception
    return at.dataframe[0].value.to_dict("records") if at.dataframe else []


def test_times_show_in_the_workspace_time_zone(monkeypatch, db_url):
    pid = _feedback_workspace(db_url)
    at = log_in(open_app(monkeypatch, db_url), "ada")
    assert "time zone Asia/Shanghai" in texts(at)  # the default, said on the overview

    rows = _browser_rows(at)
    assert rows[0]["Time (Asia/Shanghai)"] == "2026-03-02 04:30"
    assert rows[0]["Rating"] == "not rated" and rows[0]["Severity"] == "none"  # words, not None/NaN
    # The days picked in the filter are the workspace's days.
    at.date_input(key="browser_from").set_value(date(2026, 3, 2))
    at.date_input(key="browser_to").set_value(date(2026, 3, 2))
    at = next(b for b in at.button if b.label == "Apply filters").click().run()
    assert len(at.dataframe[0].value) == 1

    # An analyst moves the workspace to London: stored, audited, and every page follows.
    at.switch_page("views/home.py").run()
    at.selectbox(key=f"workspace_time_zone_{pid}").set_value("Europe/London").run()
    assert not at.exception
    at = through_app(at)
    assert "time zone Europe/London" in texts(at)
    rows = _browser_rows(at)
    assert rows[0]["Time (Europe/London)"] == "2026-03-01 20:30"
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        assert time_zone(session, pid) == "Europe/London"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "product.time_zone")).one()
        assert event.actor == "ada" and event.detail == {"from": "Asia/Shanghai", "to": "Europe/London"}
    engine.dispose()


def test_an_unknown_time_zone_is_refused_and_nothing_is_stored(engine):
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
    for wrong in ("Mars/Olympus", "", "../etc/passwd"):
        with pytest.raises(WorkspaceError) as err, unit_of_work(engine) as session:
            set_time_zone(session, pid, wrong, "ada")
        assert err.value.code == "time_zone_unknown"
    with pytest.raises(WorkspaceError) as err, unit_of_work(engine) as session:
        set_time_zone(session, pid + 1, "Europe/London", "ada")
    assert err.value.code == "product_missing"
    with unit_of_work(engine) as session:
        assert time_zone(session, pid) == "Asia/Shanghai"
        assert session.scalars(select(AppSetting).where(AppSetting.key.like("time_zone%"))).all() == []


def test_removing_the_demo_removes_its_time_zone(engine):
    load_demo(engine)  # without an encoder: no analysis, a second
    with unit_of_work(engine) as session:
        demo_id = demo_product_id(session)
        set_time_zone(session, demo_id, "Europe/London", "ada")
    remove_demo(engine, actor="ada")
    with unit_of_work(engine) as session:
        assert session.scalars(select(AppSetting).where(AppSetting.key.like("time_zone%"))).all() == []
        assert time_zone(session, demo_id) == "Asia/Shanghai"  # a product given its id starts afresh

"""The pain-points page through AppTest: what a product manager sees and what lands in the database.

One session-scoped database holds a sixth of the demo (about 400 zh/en items) with round 2 analysed
by the real pipeline (multilingual encoder, seeded UMAP + HDBSCAN); every test works on a copy of it.
"""

from __future__ import annotations

import html
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, func, select, update
from streamlit.testing.v1 import AppTest

from analytics.embeddings import load_encoder
from analytics.ranking import RankingWeights, rank_pain_points
from analytics.topics import warm_up
from db import migrate, topic_runs
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import AuditEvent, Feedback, FeedbackTopic, Product, RectificationItem, Topic, TopicRun
from db.topic_runs import load_run
from db.workspace import create_product, create_round, list_rounds
from services import pain_points
from services.demo import load_demo
from tests.apphelpers import rendered_html, texts
from tests.conftest import ROOT
from ui.auth import SignedIn

# Slow: fits real topic models (encoder, UMAP, HDBSCAN) and runs the page through AppTest (CI runs it).
pytestmark = pytest.mark.slow

PAGE = str(ROOT / "views" / "pain_points.py")
ADA = SignedIn(1, "ada", "admin")
VIC = SignedIn(2, "vic", "viewer")
COMPONENTS = ["Rank", "Topic", "Category", "Priority", "Frequency part", "Severity part", "Trend part"]
COMPONENTS += ["Items", "Share", "Respondents", "Channels", "Mean rating", "Low ratings", "Growth"]


@pytest.fixture(scope="session")
def analysed_db(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("painpoints") / "analysed.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    load_demo(engine)
    with unit_of_work(engine) as session:
        session.execute(delete(Feedback).where(Feedback.id % 6 != 0))  # keep the fit to seconds
        product_id = session.scalar(select(Product.id))
        round2, round1 = [r.id for r in list_rounds(session, product_id)]
    every_round = pain_points.analyse_scope(engine, product_id, None, load_encoder(), warm_up=warm_up)
    summary = pain_points.analyse_scope(engine, product_id, round2, load_encoder())  # the newest run
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ids = {"product": product_id, "round1": round1, "round2": round2, "run": summary.run_id}
    return path, {**ids, "run_all": every_round.run_id}


@pytest.fixture
def demo(analysed_db, tmp_path, monkeypatch) -> dict:
    """A copy of the analysed database, set as the app's database."""
    source, ids = analysed_db
    copy = tmp_path / "rectify.db"
    shutil.copy(source, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    return {**ids, "url": url}


def open_page(
    ids: dict, *, user: SignedIn = ADA, lang: str = "en", round_key: str = "round2", **state: object
) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for key, value in state.items():
        at.session_state[key] = value
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = user
    at.session_state["workspace_product_id"] = ids["product"]
    at.session_state["workspace_round_id"] = ids[round_key] if round_key else 0  # 0: all rounds
    at.run()
    assert not at.exception, at.exception
    return at


def ranked_table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def quotes(at: AppTest) -> list[str]:
    """The typical scenarios shown, as plain text."""
    return [str(element.value) for element in at.text]


def submit(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, at.exception
    return at


def query(url: str, statement):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            return session.execute(statement).all()
    finally:
        engine.dispose()


def test_ranked_pain_points_show_every_component_and_match_the_database(demo):
    at = open_page(demo)
    table = ranked_table(at)
    assert set(COMPONENTS) <= set(table.columns)
    assert table["Rank"].tolist() == list(range(1, len(table) + 1))
    assert table["Priority"].is_monotonic_decreasing
    # An unknown trend (too little data in a period) is left out, not counted as 0.
    parts = table[["Frequency part", "Severity part", "Trend part"]].sum(axis=1)
    assert (parts - table["Priority"]).abs().max() < 1e-9
    assert set(table["Category"]) <= {"Accuracy", "Interaction experience", "Performance", "Other"}
    assert table["Category"].astype(bool).all()
    # Counts are the stored assignments of the run.
    stored = dict(
        query(
            demo["url"],
            select(Topic.key, func.count())
            .join(FeedbackTopic, FeedbackTopic.topic_id == Topic.id)
            .where(FeedbackTopic.run_id == demo["run"])
            .group_by(Topic.key),
        )
    )
    assert dict(zip(table["Topic key"], table["Items"], strict=True)) == stored
    shown = texts(at)
    assert "Ranked pain points" in shown and "items analysed on" in shown
    assert not [b for b in at.button if b.key == "pp_run"]  # analysed: no first-run button


def stored_ranking(at: AppTest, ids: dict) -> pd.DataFrame:
    """rank_pain_points of the stored run with the weights, date and period the page has set."""
    weights = RankingWeights(
        *(float(at.session_state[f"pp_w_{w}"]) for w in ("frequency", "severity", "trend"))
    )
    engine = make_engine(ids["url"])
    try:
        with unit_of_work(engine) as session:
            items, topics = topic_runs.run_items(session, ids["run"]), load_run(session, ids["run"]).topics
    finally:
        engine.dispose()
    anchor = at.date_input(key="pp_anchor").value
    period = int(at.session_state["pp_period_days"])
    return rank_pain_points(items, topics[["key", "label"]], weights=weights, now=anchor, period_days=period)


def test_weights_rerank_without_a_new_fit(demo, monkeypatch):
    import services.pain_points

    def no_fit(*args, **kwargs):
        raise AssertionError("re-ranking must not fit topics")

    monkeypatch.setattr(services.pain_points, "fit_topics", no_fit)
    at = open_page(demo)
    before, expected_before = ranked_table(at), stored_ranking(at, demo)
    at.slider(key="pp_w_severity").set_value(0.0)
    at.slider(key="pp_w_trend").set_value(0.0).run()
    assert not at.exception
    after = ranked_table(at)
    # Frequency alone: the severity and trend parts are gone, the frequency part is the priority.
    assert (after["Severity part"] == 0).all() and (after["Trend part"].fillna(0) == 0).all()
    assert (after["Frequency part"] - after["Priority"]).abs().max() < 1e-9
    assert after["Priority"].is_monotonic_decreasing
    # The same topics of the same run, re-ranked: nothing was fitted, the items stay where they were.
    assert dict(zip(after["Topic key"], after["Items"], strict=True)) == dict(
        zip(before["Topic key"], before["Items"], strict=True)
    )
    assert len(query(demo["url"], select(TopicRun.id))) == 2  # the fixture's two, nothing new
    # Each table is the stored run ranked with the weights set then. (Whether the order changes
    # depends on the fit, so that is not asserted.)
    for table, expected in ((before, expected_before), (after, stored_ranking(at, demo))):
        assert table["Topic key"].tolist() == expected["topic_key"].tolist()
        assert table["Priority"].tolist() == pytest.approx(expected["priority"].tolist())


def test_drill_down_shows_distinct_typical_quotes_of_the_topic(demo):
    at = open_page(demo)
    key = at.session_state["pp_topic"]
    texts_shown = quotes(at)
    assert len(texts_shown) == 5  # the default, between 3 and 6
    assert len(set(texts_shown)) == len(texts_shown)
    members = {
        text
        for (text,) in query(
            demo["url"],
            select(Feedback.text)
            .join(FeedbackTopic, FeedbackTopic.feedback_id == Feedback.id)
            .join(Topic, Topic.id == FeedbackTopic.topic_id)
            .where(FeedbackTopic.run_id == demo["run"], Topic.key == key),
        )
    }
    assert set(texts_shown) <= members
    shown = texts(at)
    assert "Typical scenarios" in shown and "Keywords:" in shown
    at.slider(key="pp_quotes").set_value(3).run()
    assert len(quotes(at)) == 3
    # Another topic: other quotes.
    other = ranked_table(at)["Topic key"].iloc[1]
    at.selectbox(key="pp_topic").set_value(other).run()
    assert not at.exception
    assert not set(quotes(at)) & set(texts_shown)


def test_a_rectification_item_opened_from_a_topic_is_stored_in_the_round(demo):
    at = open_page(demo)
    key = at.session_state["pp_topic"]
    label = ranked_table(at)["Topic"].iloc[0]
    title = next(w for w in at.text_input if w.label == "Item title")
    assert title.value == label  # prefilled with the topic's name
    at.text_input(key=f"pp_item_owner_{key}").input("Zhang Min")
    at.number_input(key=f"pp_item_target_{key}").set_value(1.5)
    submit(at, "Open rectification item")
    rows = query(
        demo["url"],
        select(
            RectificationItem.round_id,
            RectificationItem.topic_key,
            RectificationItem.title,
            RectificationItem.owner,
            RectificationItem.target,
            RectificationItem.status,
            RectificationItem.baseline,
        ).where(RectificationItem.topic_key == key),
    )
    assert len(rows) == 1
    round_id, topic_key, title, owner, target, status, baseline = rows[0]
    assert (round_id, topic_key, title, owner, target, status) == (
        demo["round2"],
        key,
        label,
        "Zhang Min",
        1.5,
        "open",
    )
    assert baseline == pytest.approx(round(ranked_table(at)["Share"].iloc[0], 1))
    assert "opened in" in texts(at)
    assert ranked_table(at)["Item opened"].iloc[0]
    assert query(demo["url"], select(AuditEvent.actor).where(AuditEvent.action == "item.open")) == [("ada",)]
    # One item per topic is worked on at a time: the form gives way to that item, offered instead.
    (item_id,) = query(demo["url"], select(RectificationItem.id).where(RectificationItem.topic_key == key))[0]
    assert f"This topic already has item #{item_id} “{label}” (" in texts(at)
    assert [b for b in at.button if b.label == f"Open item #{item_id}"]
    assert not [b for b in at.button if b.label == "Open rectification item"]


def test_rename_and_merge_show_in_the_ranking(demo):
    at = open_page(demo)
    run, key = demo["run"], at.session_state["pp_topic"]
    at.text_input(key=f"pp_rename_{run}_{key}").input("上传化验单闪退 / Upload crash")
    submit(at, "Save name")
    table = ranked_table(at)
    assert table.loc[table["Topic key"] == key, "Topic"].iloc[0] == "上传化验单闪退 / Upload crash"
    assert "Topic name saved." in texts(at)

    counts = dict(zip(table["Topic key"], table["Items"], strict=True))
    absorbed = [k for k in table["Topic key"] if k != key][-2:]
    at.multiselect(key=f"pp_merge_{run}_{key}").set_value(absorbed)
    submit(at, "Merge")
    table = ranked_table(at)
    assert not set(absorbed) & set(table["Topic key"])
    assert table.loc[table["Topic key"] == key, "Items"].iloc[0] == counts[key] + sum(
        counts[k] for k in absorbed
    )
    actions = {a for (a,) in query(demo["url"], select(AuditEvent.action))}
    assert {"topic.rename", "topic.merge"} <= actions


def test_a_topic_named_in_markdown_is_shown_literally_and_loads_nothing(demo):
    """An analyst's topic name is text for every viewer: no image from elsewhere, no bold, no HTML."""
    evil = "![x](http://evil.example/a.png) **bold** <img src=x>"
    at = open_page(demo)
    run, key = demo["run"], at.session_state["pp_topic"]
    at.text_input(key=f"pp_rename_{run}_{key}").input(evil)
    submit(at, "Save name")
    viewer = open_page(demo, user=VIC)
    viewer.session_state["pp_topic"] = key
    viewer.run()
    page = rendered_html(viewer)
    assert "<img" not in page and "<strong>bold</strong>" not in page
    assert f"{html.escape(evil, quote=False)}</h3>" in page  # the heading shows the name as typed
    assert ranked_table(viewer).loc[lambda t: t["Topic key"] == key, "Topic"].iloc[0] == evil


def test_a_category_correction_is_stored_and_survives_a_new_analysis(demo):
    at = open_page(demo)
    run, key = demo["run"], at.session_state["pp_topic"]
    feedback_id = at.selectbox(key=f"pp_fix_item_{run}_{key}").value
    current = query(demo["url"], select(Feedback.category).where(Feedback.id == feedback_id))[0][0]
    corrected = "other" if current != "other" else "accuracy"
    at.selectbox(key=f"pp_fix_cat_{run}_{key}").set_value(corrected)
    submit(at, "Save correction")
    assert "Category corrected" in texts(at)
    stored = query(
        demo["url"], select(Feedback.category, Feedback.category_source).where(Feedback.id == feedback_id)
    )
    assert stored == [(corrected, "ada")]

    at.button(key="pp_rerun").click().run()  # a new analysis re-predicts every model category
    assert not at.exception
    assert "Analysed" in texts(at) and len(at.toast) == 1
    assert len(query(demo["url"], select(TopicRun.id))) == 3
    stored = query(
        demo["url"], select(Feedback.category, Feedback.category_source).where(Feedback.id == feedback_id)
    )
    assert stored == [(corrected, "ada")]
    assert "1 analyst labels kept" in texts(at)


def test_analysing_a_round_shows_progress_and_stores_the_run(demo):
    at = open_page(demo, round_key="round1")
    assert "have not been analysed yet" in texts(at)
    at.button(key="pp_run").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Analysed" in shown
    # The stages, in a closed status box after the run.
    for stage in ("Loading the text embedding model", "Categorising", "Fitting topics"):
        assert stage in shown
    assert "Every text is embedded already (cache)" in shown  # the fixture's all-rounds run embedded them
    assert len(at.toast) == 1 and "topics found" in at.toast[0].value
    runs = query(demo["url"], select(TopicRun.id, TopicRun.round_id))
    assert (max(r[0] for r in runs), demo["round1"]) in runs
    assert len(ranked_table(at)) >= 2
    unlabelled = query(
        demo["url"],
        select(func.count()).where(Feedback.round_id == demo["round1"], Feedback.category.is_(None)),
    )
    assert unlabelled == [(0,)]


def test_reopening_an_analysed_page_needs_no_encoder_and_no_fit(demo, monkeypatch):
    import services.pain_points

    def refuse(*args, **kwargs):
        raise AssertionError("reopening must read the stored run")

    monkeypatch.setattr(services.pain_points, "fit_topics", refuse)
    monkeypatch.setattr(services.pain_points, "encode_in_batches", refuse)
    at = open_page(demo)
    assert len(ranked_table(at)) >= 2 and len(quotes(at)) >= 3


def test_a_viewer_reads_but_cannot_run_or_change_anything(demo):
    at = open_page(demo, user=VIC)
    assert len(ranked_table(at)) >= 2 and len(quotes(at)) >= 3
    labels = {b.label for b in at.button}
    assert not labels & {"Analyse again", "Save name", "Merge", "Save correction", "Open rectification item"}
    assert not at.text_input and not at.multiselect
    at = open_page(demo, user=VIC, round_key="round1")
    assert "ask an analyst or admin" in texts(at)
    assert not at.button


def test_the_page_in_chinese(demo):
    at = open_page(demo, lang="zh")
    assert at.title[0].value == "痛点分析"
    table = ranked_table(at)
    assert {
        "排名",
        "主题",
        "类别",
        "优先级",
        "频次贡献",
        "严重度贡献",
        "趋势贡献",
        "反馈数",
        "用户数",
    } <= set(table.columns)
    assert set(table["类别"]) <= {"准确性", "交互体验", "性能", "其他"}
    assert "典型场景" in texts(at)
    assert len(quotes(at)) == 5 and "彼此不同" in texts(at)


def test_no_feedback_gets_a_clear_message(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        round_id = create_round(session, product.id, "Round 1").id
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = open_page({"product": product.id, "round": round_id}, round_key="round")
    assert "no feedback for this product and round yet" in texts(at)
    assert not at.button


def test_five_chinese_items_are_grouped_with_a_clear_message(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    url = f"sqlite:///{tmp_path / 'five.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        round_id = create_round(session, product.id, "Round 1").id
        store_feedback(
            session,
            [
                FeedbackIn(
                    product.id, "in_app", text, datetime(2026, 5, i + 1, tzinfo=UTC), round_id=round_id
                )
                for i, text in enumerate(
                    ["上传作业就闪退", "上传作业时闪退了", "批改把对的判成错的", "批改判错了好几题", "😡😡"]
                )
            ],
        )
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    at = open_page({"product": product.id, "round": round_id}, round_key="round")
    assert "Only 5 feedback items" in texts(at)
    at.button(key="pp_run").click().run()
    assert not at.exception
    shown = texts(at)
    assert "too few to cluster" in shown
    table = ranked_table(at)
    assert 1 <= len(table) <= 3 and table["Items"].sum() <= 5


def test_in_all_rounds_an_item_goes_to_the_round_chosen_in_its_form(demo):
    at = open_page(demo, round_key=None)
    assert "All rounds" in texts(at)
    key = at.session_state["pp_topic"]
    at.selectbox(key=f"pp_item_round_{key}").set_value(demo["round1"])
    submit(at, "Open rectification item")
    rows = query(demo["url"], select(RectificationItem.round_id).where(RectificationItem.topic_key == key))
    assert rows == [(demo["round1"],)]


def add_round2_feedback(demo: dict, texts_: list[str], when: datetime) -> None:
    engine = make_engine(demo["url"])
    with unit_of_work(engine) as session:
        store_feedback(
            session,
            [FeedbackIn(demo["product"], "in_app", text, when, round_id=demo["round2"]) for text in texts_],
        )
    engine.dispose()


def run_assignments(url: str, run_id: int) -> dict[int, str | None]:
    rows = query(
        url,
        select(FeedbackTopic.feedback_id, Topic.key)
        .outerjoin(Topic, Topic.id == FeedbackTopic.topic_id)
        .where(FeedbackTopic.run_id == run_id),
    )
    return dict(rows)


def newest_run(url: str) -> tuple[int, dict]:
    return query(url, select(TopicRun.id, TopicRun.params).order_by(TopicRun.id.desc()).limit(1))[0]


def test_two_new_items_are_placed_in_the_current_topics_and_the_topics_hold_still(demo, monkeypatch):
    import services.pain_points

    def no_fit(*args, **kwargs):
        raise AssertionError("two new items must not refit the topics")

    before = run_assignments(demo["url"], demo["run"])
    add_round2_feedback(
        demo,
        ["上传化验单又闪退了", "The app crashes when I upload my lab report again"],
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    monkeypatch.setattr(services.pain_points, "fit_topics", no_fit)
    at = open_page(demo)
    shown = texts(at)
    assert "New items since the analysis: 2" in shown and "placed in the current topics" in shown
    assert "not in the results below" not in shown  # nothing is left waiting
    run_id, params = newest_run(demo["url"])
    assert run_id != demo["run"] and params["added_items"] == 2
    after = run_assignments(demo["url"], run_id)
    # Every old item keeps its topic; the same topics, the old items' sizes unchanged.
    assert {k: after[k] for k in before} == before
    assert set(after.values()) - {None} == set(before.values()) - {None}
    table = ranked_table(at)
    old_sizes = pd.Series(list(before.values())).value_counts().to_dict()
    assert len(table) == len(old_sizes)
    grown = {k: n - old_sizes[k] for k, n in zip(table["Topic key"], table["Items"], strict=True)}
    assert sorted(grown.values())[:-2] == [0] * (len(grown) - 2) and sum(grown.values()) <= 2

    # Reopening changes nothing more: no new run, the same message, the same table.
    at = open_page(demo)
    assert newest_run(demo["url"])[0] == run_id
    assert "New items since the analysis: 2" in texts(at)
    pd.testing.assert_frame_equal(ranked_table(at), table)

    # In Chinese too.
    assert "分析之后新增 2 条反馈" in texts(open_page(demo, lang="zh"))


def test_asking_for_a_refit_refits_and_keeps_names(demo):
    add_round2_feedback(demo, ["上传化验单又闪退了"], datetime(2026, 11, 1, tzinfo=UTC))
    at = open_page(demo)  # placed, not refitted
    assert "New items since the analysis: 1" in texts(at)
    key = at.session_state["pp_topic"]
    placed_run = newest_run(demo["url"])[0]
    at.text_input(key=f"pp_rename_{placed_run}_{key}").input("上传闪退 / Upload crash")
    submit(at, "Save name")
    refit = next(b for b in at.button if b.key == "pp_rerun")
    assert refit.label == "Refit topics" and "Some items may move" in refit.help
    refit.click().run()
    assert not at.exception
    run_id, params = newest_run(demo["url"])
    assert run_id != placed_run
    assert params["method"] == "umap-hdbscan" and "added_items" not in params
    assert "since the analysis" not in texts(at)  # a fit of every item: nothing came after it
    assert len(run_assignments(demo["url"], run_id)) == len(run_assignments(demo["url"], placed_run))
    names = dict(query(demo["url"], select(Topic.key, Topic.custom_label).where(Topic.run_id == run_id)))
    assert names.get(key) == "上传闪退 / Upload crash"  # the topic persists, and so does its name


def test_new_items_beyond_the_refit_share_refit_on_their_own(demo):
    fitted = len(run_assignments(demo["url"], demo["run"]))
    round1 = [
        text
        for (text,) in query(
            demo["url"],
            select(Feedback.text).where(Feedback.round_id == demo["round1"]).order_by(Feedback.id),
        )
    ]
    n_new = int(topic_runs.REFIT_SHARE * fitted) + 1
    assert len(round1) >= n_new
    add_round2_feedback(demo, round1[:n_new], datetime(2026, 11, 1, tzinfo=UTC))
    at = open_page(demo)
    run_id, params = newest_run(demo["url"])
    assert run_id != demo["run"] and params["method"] == "umap-hdbscan" and "added_items" not in params
    assert len(run_assignments(demo["url"], run_id)) == fitted + n_new
    assert "refitting the topics" in texts(at) and "Analysed" in texts(at)


def test_the_trend_is_anchored_on_the_analysis_date_which_the_user_sees_and_changes(demo):
    # Analysed on the demo's last day with feedback; one answer arrives a month later (today). It
    # used to set the trend's anchor, leaving every other item outside the recent period: every
    # trend 0.000.
    engine = make_engine(demo["url"])
    with unit_of_work(engine) as session:
        session.execute(
            update(TopicRun)
            .where(TopicRun.id == demo["run"])
            .values(created_at=datetime(2026, 10, 31, 18, tzinfo=UTC))
        )
    engine.dispose()
    add_round2_feedback(demo, ["今天又闪退了"], datetime.now(UTC))
    at = open_page(demo)  # the late answer is placed; the topics' fit date stays
    anchor = at.date_input(key="pp_anchor")
    assert anchor.label == "Trend as of" and anchor.value == date(2026, 10, 31)
    shown = texts(at)
    assert "recent period 2026-10-04 – 2026-10-31" in shown and "topics fitted on 2026-10-31" in shown
    table = ranked_table(at)
    assert (table["Trend note"] == "").all() and table["Trend part"].notna().all()
    assert (table["Trend part"] > 0).any()
    # As of today the recent period holds the late answer alone: said so, not scored 0.
    at.date_input(key="pp_anchor").set_value(date.today()).run()
    assert not at.exception
    table = ranked_table(at)
    assert (table["Trend note"] == "too little data for a trend").all()
    assert table["Trend part"].isna().all()
    assert "Too little data for a trend: the recent period holds fewer than 10 items" in texts(at)
    # (In Chinese the date is set before the run: AppTest formats option labels in English on a rerun.)
    zh = open_page(demo, lang="zh", pp_anchor_default=date(2026, 10, 31), pp_anchor=date.today())
    assert zh.date_input(key="pp_anchor").label == "趋势截止日期"
    assert (ranked_table(zh)["趋势说明"] == "数据太少，无法判断趋势").all()
    assert "数据太少，无法判断趋势：近期周期内不足 10 条反馈" in texts(zh)


def test_topic_share_over_time_counts_every_period_and_channel_mix_sums_to_one():
    from analytics import charts_painpoints as charts

    items = pd.DataFrame(
        {
            "topic_key": ["T1", "T1", "T2", None, "T1", "T2"],
            "created_at": pd.to_datetime(
                ["2026-05-04", "2026-05-05", "2026-05-06", "2026-05-12", "2026-05-20", "2026-06-02"], utc=True
            ),
            "channel": ["in_app", "community", "in_app", "in_app", "in_app", "customer_service"],
        }
    )
    weekly = charts.share_by_period(items, ["T1", "T2"], "week")
    t1 = weekly[weekly["topic_key"] == "T1"].set_index("period")
    assert t1["count"].tolist() == [2, 0, 1, 0]  # weeks of May 4, 11, 18 and June 1; none left out
    assert t1["total"].tolist() == [3, 1, 1, 1]  # every item counts in the total, unclustered ones too
    assert t1["share"].iloc[0] == pytest.approx(2 / 3)
    monthly = charts.share_by_period(items, ["T2"], "month")
    assert monthly["count"].tolist() == [1, 1] and monthly["total"].tolist() == [5, 1]
    with pytest.raises(ValueError, match="freq"):
        charts.share_by_period(items, ["T1"], "day")

    mix = charts.channel_mix(items, ["T1", "T2"])
    assert mix.groupby("topic_key")["share"].sum().round(9).tolist() == [1.0, 1.0]
    assert mix.set_index(["topic_key", "channel"]).loc[("T1", "in_app"), "count"] == 2

"""The Sampling & invitations page and invitation links through Streamlit's AppTest, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, unit_of_work
from db.models import AuditEvent, Invitation, Response
from services.sampling_plans import PlanRequest, create_plan, submit_invited_response
from tests.apphelpers import ensure_staff, texts
from tests.conftest import ROOT
from tests.test_sampling_plans import ANSWERS, Site, populate
from ui.auth import SignedIn

pytestmark = pytest.mark.slow  # pages through AppTest: seconds a test

ADA = SignedIn(1, "ada", "admin")
VIC = SignedIn(3, "vic", "viewer")


def _site(url: str, n: int = 200) -> Site:
    engine = make_engine(url)
    site = populate(engine, n)
    engine.dispose()
    return site


def _page(monkeypatch, url: str, site: Site, user: SignedIn, lang: str = "en") -> AppTest:
    ensure_staff(url, user)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "sampling.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = user
    at.session_state["workspace_product_id"] = site.product_id
    at.session_state["workspace_round_id"] = None
    return at.run()


def _count(url: str, query) -> int:
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        value = int(session.scalar(query) or 0)
    engine.dispose()
    return value


def test_without_a_user_list_the_page_says_where_to_import_one(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    site = _site(url, n=0)
    at = _page(monkeypatch, url, site, ADA)
    assert not at.exception
    assert "no user list yet" in texts(at) and "Users & representativeness" in texts(at)
    assert not at.dataframe


def test_an_analyst_draws_invitations_and_tracks_them(monkeypatch, db_url):
    site = _site(db_url)
    at = _page(monkeypatch, db_url, site, ADA)
    assert not at.exception
    assert "User list: 200 users." in texts(at) and "This wave has no sampling plan yet." in texts(at)
    at.selectbox(key="sampling_wave").set_value(site.follow_up)
    at.multiselect(key="sampling_attributes").set_value(["region"])
    at.number_input(key="sampling_target").set_value(20)
    at.number_input(key="sampling_rate").set_value(50.0)
    at = [b for b in at.button if b.label == "Draw invitations"][0].click().run()
    assert not at.exception
    assert "40 members invited (0 left out by the frequency cap)." in texts(at)
    strata = at.dataframe[0].value
    assert list(strata["Stratum"]) == ["east", "north", "south", "west", "All"]
    assert list(strata["Target (quota)"]) == [4, 6, 5, 5, 20]
    assert list(strata["Invited"]) == [8, 12, 10, 10, 40]
    assert list(strata["Completed"]) == [0, 0, 0, 0, 0]
    assert "AAPOR RR1" in texts(at)
    assert _count(db_url, select(func.count()).select_from(Invitation)) == 40
    assert _count(db_url, select(func.count()).where(AuditEvent.action == "sampling.plan")) == 1

    # two invitees answer; the page counts them per stratum with RR1
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        tokens = (
            session.execute(
                select(Invitation.token).where(Invitation.stratum == "north").order_by(Invitation.id)
            )
            .scalars()
            .all()
        )
    for token in tokens[:2]:
        submit_invited_response(engine, site.follow_up, token, ANSWERS)
    engine.dispose()
    at = _page(monkeypatch, db_url, site, ADA)
    at.selectbox(key="sampling_wave").set_value(site.follow_up)
    at = at.run()
    strata = at.dataframe[0].value.set_index("Stratum")
    assert strata.loc["north", "Completed"] == 2
    assert strata.loc["north", "Response rate"] == pytest.approx(100 * 2 / 12)
    assert [m.value for m in at.metric] == ["40", "2", "2", "5.0%"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download the invitation list (CSV)",
        "Download the reminder list: 38 not completed (CSV)",
    ]


def test_viewers_read_the_tracking_but_draw_nothing_and_chinese_works(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'rectify.db'}"
    site = _site(url, n=50)
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        create_plan(session, PlanRequest(site.follow_up, (), 5, 0.5))
    engine.dispose()
    at = _page(monkeypatch, url, site, VIC)
    assert not at.exception
    assert "only admins and analysts draw invitations" in texts(at)
    assert not [b for b in at.button if b.label == "Draw invitations"]
    assert list(at.dataframe[0].value["Invited"]) == [10, 10]
    zh = _page(monkeypatch, url, site, ADA, lang="zh")
    assert not zh.exception
    assert zh.title[0].value == "抽样与邀请"
    assert "已邀请" in list(zh.dataframe[0].value.columns)


# the invitee's questionnaire


def _questionnaire(monkeypatch, url: str, lang: str = "en", **params: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / "questionnaire.py"), default_timeout=60)
    at.session_state["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def test_an_invitee_answers_by_link_and_a_full_group_is_thanked(monkeypatch, db_url):
    site = _site(db_url, n=20)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_plan(session, PlanRequest(site.follow_up, (), 1, 0.5, seed=4))  # quota 1, 2 invited
        (first, key), (second, _) = session.execute(
            select(Invitation.token, Invitation.user_key).order_by(Invitation.id)
        ).all()
    engine.dispose()
    at = _questionnaire(monkeypatch, db_url, wave=str(site.follow_up), invite=first)
    assert not at.exception and at.radio
    for code in ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat"):
        at.radio(key=f"questionnaire_{code}").set_value(4)
    at.radio(key="questionnaire_nps").set_value(9)
    at = at.button[0].click().run()
    assert not at.exception and "Thank you" in texts(at)
    assert _count(db_url, select(func.count()).where(Response.respondent_key == key)) == 1

    full = _questionnaire(monkeypatch, db_url, wave=str(site.follow_up), invite=second)
    assert not full.exception and not full.radio
    assert "This survey has enough answers from your group" in texts(full)
    full_zh = _questionnaire(monkeypatch, db_url, lang="zh", wave=str(site.follow_up), invite=second)
    assert "您所在的用户群体已经收到足够的回答" in texts(full_zh)
    bad = _questionnaire(monkeypatch, db_url, wave=str(site.follow_up), invite="forged")
    assert "This invitation link is not valid" in texts(bad) and not bad.radio
    assert _count(db_url, select(func.count()).select_from(Response)) == 1

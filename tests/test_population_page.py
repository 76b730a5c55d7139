"""The Users & representativeness page and the weighted before/after block, through Streamlit's AppTest.

A user list is uploaded as a user would (AppTest drives st.file_uploader), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import make_engine, unit_of_work
from db.models import AuditEvent
from db.population import population_frame, replace_population
from db.settings import respondent_key_secret
from db.surveys import add_response, create_survey_from_template, open_wave
from db.workspace import create_product, create_round
from tests.apphelpers import ensure_staff, texts
from tests.conftest import ROOT
from tests.verify_support import likert_rows, small_workspace
from ui.auth import SignedIn
from ui.workspace import PRODUCT_KEY, ROUND_KEY

# Slow: pages through AppTest, seconds a test.
pytestmark = pytest.mark.slow

USERS_CSV = (
    "user_id,region,plan\n"
    + "".join(f"u{i},{'north' if i % 4 else 'south'},{'pro' if i % 5 == 0 else 'free'}\n" for i in range(40))
).encode()


@pytest.fixture
def workspace(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Survey")
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Baseline")
        secret = respondent_key_secret(session)
        # Ten respondents, all from the north: the south is under-represented.
        for i in (1, 2, 3, 5, 6, 7, 9, 10, 11, 13):
            add_response(session, wave.id, pseudonymise(f"u{i}", secret), likert_rows([4])[0])
        add_response(session, wave.id, pseudonymise("stranger", secret), likert_rows([4])[0])
        ids = (product.id, rnd.id)
    yield {"engine": engine, "url": db_url, "product_id": ids[0], "round_id": ids[1]}
    engine.dispose()


def open_page(
    monkeypatch, ws: dict, page: str = "population", role: str = "analyst", lang: str = "en"
) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", ws["url"])
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "views" / f"{page}.py"), default_timeout=120)
    at.session_state["lang"] = lang
    user = SignedIn(7, "ann", role)
    ensure_staff(ws["url"], user)
    at.session_state["auth_user"] = user
    at.session_state[PRODUCT_KEY] = ws["product_id"]
    at.session_state[ROUND_KEY] = ws["round_id"]
    return at.run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="population_file").set_value((name, data, "text/csv"))
    return at.run()


def stored(ws: dict):  # type: ignore[no-untyped-def]
    with unit_of_work(ws["engine"]) as session:
        return population_frame(session, ws["product_id"])


def test_a_user_list_is_imported_its_margins_shown_and_who_answered_flagged(monkeypatch, workspace):
    at = open_page(monkeypatch, workspace)
    assert not at.exception
    assert "No user list has been imported yet." in texts(at)
    at = upload(at, "users.csv", USERS_CSV)
    assert not at.exception
    assert at.selectbox(key=next(k for k in _keys(at) if k.startswith("population_key_"))).value == "user_id"
    at = at.button(key="population_replace").click().run()
    assert not at.exception
    page = texts(at)
    assert "Stored 40 users (0 rows without a key and 0 repeated keys skipped)." in page
    assert "Current list: 40 users" in page
    margins = at.dataframe[0].value
    south = margins[(margins["Attribute"] == "region") & (margins["Value"] == "south")].iloc[0]
    assert south["Users"] == 10 and south["Share"] == pytest.approx(0.25)
    frame = stored(workspace)
    assert len(frame) == 40 and "u1" not in set(frame["user_key"])  # keys pseudonymised
    with unit_of_work(workspace["engine"]) as session:
        secret = respondent_key_secret(session)
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "population.import")))
    assert pseudonymise("u1", secret) in set(frame["user_key"])
    assert events and events[0].detail["users"] == 40
    # Who answered: ten respondents from the north, one not in the list.
    assert "10 respondents are in the list; 1 are not (unweighted)." in page
    shares = at.dataframe[1].value
    south = shares[(shares["Attribute"] == "region") & (shares["Value"] == "south")].iloc[0]
    assert south["Representation"] == "under-represented" and south["Respondents"] == 0
    assert "region: chi-square =" in page
    assert "Cannot weight: stratum region = 'south' has no respondents" in page


def test_a_bad_file_is_refused_and_the_previous_list_stays(monkeypatch, workspace):
    with unit_of_work(workspace["engine"]) as session:
        replace_population(session, workspace["product_id"], [("k1", {"region": "north"})])
    at = open_page(monkeypatch, workspace)
    at = upload(at, "users.csv", b"")
    assert not at.exception
    assert "The file is empty. The previous list stays in place." in texts(at)
    at = upload(at, "users.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)  # old Excel, renamed
    assert any("previous list stays in place" in e.value for e in at.error)
    # A file whose key column is blank on every row: nothing stored, the old list kept.
    at = upload(at, "keys.csv", b"user_id,region\n,north\n,south\n")
    at = at.button(key="population_replace").click().run()
    assert not at.exception
    assert "No row has a user key; nothing was stored and the previous list stays." in texts(at)
    assert list(stored(workspace)["user_key"]) == ["k1"]


def test_a_viewer_reads_the_list_but_cannot_import(monkeypatch, workspace):
    at = open_page(monkeypatch, workspace, role="viewer", lang="zh")
    assert not at.exception
    assert "只有管理员和分析师可以导入用户名单。" in texts(at)
    assert not at.get("file_uploader")


def _keys(at: AppTest) -> list[str]:
    return [str(w.key) for w in at.selectbox]


# --- weighted before/after ---------------------------------------------------------------------------


def _heavy_users_answer_more(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Heavy users rate 5, light users 3, in both waves; the follow-up has far more heavy users.

    Unweighted the follow-up looks better (4.0 -> 4.6); weighted to the list (20 % heavy) both waves
    are 3.4: no change. f-59 is not in the list (unweighted).
    """
    baseline = likert_rows([5] * 30 + [3] * 30)
    follow_up = likert_rows([5] * 48 + [3] * 12)
    ws = small_workspace(engine, baseline, follow_up)
    members = [(f"b-{i}", {"usage": "heavy" if i < 30 else "light"}) for i in range(60)]
    members += [(f"f-{i}", {"usage": "heavy" if i < 48 else "light"}) for i in range(59)]
    heavy = sum(m[1]["usage"] == "heavy" for m in members)
    members += [(f"h-{i}", {"usage": "heavy"}) for i in range(200 - heavy)]
    members += [(f"l-{i}", {"usage": "light"}) for i in range(1000 - len(members))]
    with unit_of_work(engine) as session:
        replace_population(session, ws.product_id, members)
    return ws.product_id, ws.round_id


def test_weighted_before_after_shows_the_weighted_column_and_says_when_it_disagrees(monkeypatch, db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    product_id, round_id = _heavy_users_answer_more(engine)
    engine.dispose()
    ws = {"url": db_url, "product_id": product_id, "round_id": round_id}
    at = open_page(monkeypatch, ws, page="before_after", role="admin")
    assert not at.exception
    page = texts(at)
    assert "Weighted to the user list" in page
    assert "Respondents not in the list, left unweighted: 0 in the baseline, 1 in the follow-up" in page
    table = next(d.value for d in at.dataframe if "Weighted result" in d.value.columns).set_index("Measure")
    row = table.loc["Accuracy"]
    assert (row["Baseline (unweighted)"], row["Follow-up (unweighted)"]) == ("4.00", "4.60")
    assert (row["Baseline (weighted)"], row["Follow-up (weighted)"]) == ("3.40", "3.40")
    assert (row["Unweighted result"], row["Weighted result"]) == ("better", "no clear change")
    assert any(
        "Accuracy: weighted to the user list (the waves as independent groups, on their effective n) the "
        "result is 'no clear change', unweighted it is 'better'"
        in w.value.replace("\\", "")  # the page escapes the label's Markdown
        for w in at.warning
    )
    # The deck carries who answered the follow-up.
    at.button(key="verify_prepare").click().run()
    assert not at.exception
    slides = [
        "\n".join(
            [s.text_frame.text for s in slide.shapes if s.has_text_frame]
            + [c.text for s in slide.shapes if s.has_table for r in s.table.rows for c in r.cells]
        )
        for slide in Presentation(io.BytesIO(at.session_state["verify_export"]["deck"])).slides
    ]
    who = next(s for s in slides if s.startswith("Who answered: Follow-up"))
    assert "heavy\n20%\n81%" in who and "light\n80%\n19%\nunder-represented" in who
    assert "59 respondents in the user list (1 not in it, unweighted)" in who
    zh = open_page(monkeypatch, ws, page="before_after", role="admin", lang="zh")
    assert not zh.exception
    assert "按用户名单加权后（两轮按独立样本、以有效样本量检验）结果为“无明确变化”，未加权为“变好”" in texts(
        zh
    )


def test_without_a_user_list_the_before_after_page_has_no_weighted_block(monkeypatch, db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    ws = small_workspace(engine, likert_rows([3, 4] * 10), likert_rows([4, 5] * 10))
    engine.dispose()
    at = open_page(
        monkeypatch,
        {"url": db_url, "product_id": ws.product_id, "round_id": ws.round_id},
        "before_after",
        "admin",
    )
    assert not at.exception
    assert "Weighted to the user list" not in texts(at)

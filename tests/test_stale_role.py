"""Issue 17.8: a demoted or disabled user's open page performs no action.

Through the whole app (app.py, as the server runs it) in AppTest: the user signs in and opens a page,
an admin changes the account in the database, then the user presses the button that was drawn for
the old role. Nothing changes and a message in the user's language says why.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import make_engine, unit_of_work
from db.models import AuditEvent, User, Wave
from db.surveys import create_survey_from_template, open_wave
from db.users import create_user, update_user
from db.workspace import create_product, create_round
from tests.apphelpers import PASSWORD, log_in, open_app, texts

pytestmark = pytest.mark.slow


def _workspace(db_url: str) -> int:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "ada", PASSWORD, "admin", actor="test")
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave_id = open_wave(session, survey.id, rnd.id, "baseline", "Before").id
    engine.dispose()
    return wave_id


def _change_ann(db_url: str, **change: object) -> None:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        ann = session.scalars(select(User).where(User.username == "ann")).one()
        update_user(session, ann.id, actor="ada", **change)  # type: ignore[arg-type]
    engine.dispose()


def _wave_open_and_closes(db_url: str, wave_id: int) -> tuple[bool, int]:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        is_open = session.get(Wave, wave_id).is_open  # type: ignore[union-attr]
        closes = len(session.scalars(select(AuditEvent).where(AuditEvent.action == "wave.close")).all())
    engine.dispose()
    return is_open, closes


@pytest.mark.parametrize(
    ("change", "lang", "message"),
    [
        ({"role": "viewer"}, "en", "An admin has changed your role; this action was not carried out."),
        ({"role": "viewer"}, "zh", "您的角色已被管理员更改，此操作未执行。"),
        ({"is_active": False}, "en", "Your account was disabled or your sign-in ended"),
    ],
)
def test_a_button_drawn_for_the_old_role_changes_nothing(monkeypatch, db_url, change, lang, message):
    open_app(monkeypatch, db_url)  # migrates
    wave_id = _workspace(db_url)
    at = log_in(open_app(monkeypatch, db_url, lang=lang), "ann")
    at.switch_page("views/surveys.py").run()
    assert not at.exception
    toggle = at.button(key="surveys_toggle")  # drawn: ann is an analyst

    _change_ann(db_url, **change)
    at = toggle.click().run()

    assert not at.exception
    assert message in texts(at)
    assert _wave_open_and_closes(db_url, wave_id) == (True, 0)  # still open, nothing recorded


def test_a_demoted_admin_cannot_create_a_user_from_the_open_admin_page(monkeypatch, db_url):
    open_app(monkeypatch, db_url)
    _workspace(db_url)
    at = log_in(open_app(monkeypatch, db_url), "ada")
    at.switch_page("views/admin.py").run()
    at.text_input(key="admin_new_username").input("mallory")
    at.text_input(key="admin_new_password").input(PASSWORD)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:  # a second admin demotes ada meanwhile
        create_user(session, "bea", PASSWORD, "admin", actor="test")
    with unit_of_work(engine) as session:
        ada = session.scalars(select(User).where(User.username == "ada")).one()
        update_user(session, ada.id, actor="bea", role="viewer")
    at = next(b for b in at.button if b.label == "Create user").click().run()
    assert "Your role does not have access to this page." in texts(at)
    assert "Signed in as ada (viewer)" in texts(at)  # told, not logged out
    with unit_of_work(engine) as session:
        assert session.scalars(select(User).where(User.username == "mallory")).first() is None
    engine.dispose()


def test_a_new_password_signs_the_user_out_of_an_open_tab(monkeypatch, db_url):
    """Issue 10: a password change revokes the user's sessions; their open tab is told at its next click."""
    open_app(monkeypatch, db_url)
    _workspace(db_url)
    ann = log_in(open_app(monkeypatch, db_url), "ann")
    assert "Signed in as ann (analyst)" in texts(ann)

    ada = log_in(open_app(monkeypatch, db_url), "ada")
    ada.switch_page("views/admin.py").run()
    ada.selectbox(key="admin_edit_id").select_index(1)  # users by name: ada, ann
    ada.selectbox(key="admin_edit_role").set_value("analyst")
    ada.text_input(key="admin_edit_password").input("a brand new passphrase")
    ada = next(b for b in ada.button if b.label == "Save").click().run()
    assert "User ann updated." in texts(ada)

    ann = ann.run()  # ann's next click, in the tab that was open all along
    assert "Your sign-in has ended" in texts(ann)
    assert "Log in to Rectify" in texts(ann) and "Signed in as" not in texts(ann)
    assert "Signed in as ada (admin)" in texts(ada.run())  # the admin's own sign-in goes on
    ann = log_in(ann, "ann", "a brand new passphrase")
    assert "Signed in as ann (analyst)" in texts(ann)

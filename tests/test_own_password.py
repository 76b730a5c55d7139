"""Issue 10: a user changing their own password ends their other sign-ins; the tab they used goes on."""

from __future__ import annotations

import pytest

from db.engine import make_engine, unit_of_work
from db.users import create_user
from tests.apphelpers import PASSWORD, log_in, open_app, texts

pytestmark = pytest.mark.slow
NEW = "a brand new passphrase"


def _change(at, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    at.text_input(key="own_password_current").input(current)
    at.text_input(key="own_password_new").input(new)
    at.text_input(key="own_password_confirm").input(new if confirm is None else confirm)
    return next(b for b in at.button if b.label == "Change password").click().run()


def test_changing_my_password_signs_out_my_other_tabs_only(monkeypatch, db_url):
    open_app(monkeypatch, db_url)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_user(session, "ann", PASSWORD, "analyst", actor="test")
    engine.dispose()
    here = log_in(open_app(monkeypatch, db_url), "ann")
    elsewhere = log_in(open_app(monkeypatch, db_url), "ann")

    here = _change(here, "not my password", NEW)
    assert "The current password is wrong." in texts(here)
    assert "Signed in as ann" in texts(elsewhere.run())  # nothing changed

    here = _change(here, PASSWORD, NEW)
    assert not here.exception
    assert "Password changed; your sign-ins on other devices have ended." in texts(here)
    assert "Signed in as ann (analyst)" in texts(here.run())

    elsewhere = elsewhere.run()
    assert "Your sign-in has ended" in texts(elsewhere) and "Signed in as" not in texts(elsewhere)
    assert "Wrong username or password." in texts(log_in(elsewhere, "ann", PASSWORD))
    assert "Signed in as ann" in texts(log_in(open_app(monkeypatch, db_url), "ann", NEW))

"""Issue 13: the Admin page's API keys tab, in both languages: a key is made for a product and shown
once, listed by its prefix (never the secret), works against the API's check, and is revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import make_engine, unit_of_work
from db.models import ApiKey, AuditEvent
from db.workspace import create_product, create_round
from services.api_keys import authenticate, create_key
from tests.apphelpers import create_admin, open_app, texts

pytestmark = pytest.mark.slow  # runs the app through AppTest


def _keys_table(at):  # type: ignore[no-untyped-def]
    """The API keys tab's table (the page's other tabs have tables too)."""
    return next(d.value for d in at.dataframe if {"Prefix", "前缀"} & set(d.value.columns))


def _product(db_url: str) -> None:
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 1")
    engine.dispose()


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(monkeypatch, tmp_path):
    lang = "en"
    db_url = f"sqlite:///{tmp_path / 'rectify.db'}"
    at = create_admin(open_app(monkeypatch, db_url, lang))
    _product(db_url)
    at.switch_page("views/admin.py").run()
    tab = "API keys" if lang == "en" else "API 密钥"
    assert tab in [t.label for t in at.tabs]
    at.multiselect(key="admin_key_scopes").set_value(["feedback:write", "responses:write"])
    at.text_input(key="admin_key_name").input("ticket system")
    create = "Create key" if lang == "en" else "创建密钥"
    at = next(b for b in at.button if b.label == create).click().run()
    assert not at.exception
    assert ("Copy it now" if lang == "en" else "请现在复制") in texts(at)
    secret = at.code[0].value
    assert secret.startswith("rfy_") and len(secret) > 40
    table = _keys_table(at)
    assert len(table) == 1 and secret not in table.to_string()
    assert table.iloc[0, 3] == secret[:12]  # the prefix
    assert table.iloc[0, 2] == "feedback:write, responses:write"
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        caller = authenticate(session, secret)
        assert caller is not None and caller.scopes == ("feedback:write", "responses:write")
        assert session.scalars(select(ApiKey.key_hash)).one() != secret  # only the hash is kept
    # Shown once: the next run of the page no longer shows it.
    at.run()
    assert not at.code
    at.checkbox(key="admin_key_revoke_confirm").check()
    revoke = "Revoke" if lang == "en" else "吊销"
    at = next(b for b in at.button if b.label == revoke).click().run()
    assert not at.exception
    assert secret[4:12] in texts(at) and ("revoked" if lang == "en" else "已吊销") in texts(at)
    assert _keys_table(at).iloc[0, 7] is not None
    with unit_of_work(engine) as session:
        assert authenticate(session, secret) is None
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_key")).all()
        assert sorted(actions) == ["api_key.create", "api_key.revoke"]
    engine.dispose()


def test_revoking_needs_the_confirmation(monkeypatch, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'rectify.db'}"
    at = create_admin(open_app(monkeypatch, db_url))
    _product(db_url)
    at.switch_page("views/admin.py").run()
    at = next(b for b in at.button if b.label == "Create key").click().run()
    secret = at.code[0].value
    at = next(b for b in at.button if b.label == "Revoke").click().run()
    assert "Tick the confirmation first." in texts(at)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        assert authenticate(session, secret) is not None
    engine.dispose()


def test_the_tab_speaks_chinese(monkeypatch, tmp_path):
    """Read only: AppTest cannot submit this page's forms in Chinese (its selectboxes compare English
    option names with the translated ones), so the key is made by the service here."""
    db_url = f"sqlite:///{tmp_path / 'rectify.db'}"
    at = create_admin(open_app(monkeypatch, db_url, "zh"))
    _product(db_url)
    engine = make_engine(db_url)
    with unit_of_work(engine) as session:
        create_key(session, "MediAssist", ["feedback:write"], actor="ada")
    engine.dispose()
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert "API 密钥" in [t.label for t in at.tabs]
    assert "只保存其哈希值" in texts(at) and "**新建密钥**" in texts(at)
    assert "创建密钥" in [b.label for b in at.button] and "吊销" in [b.label for b in at.button]
    assert list(_keys_table(at).columns)[:4] == ["产品", "备注", "权限", "前缀"]

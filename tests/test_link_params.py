"""The respondent pages with hostile ?product= and ?wave= values: a clear message in the visitor's
language, never a crash page or a database error, and nothing stored."""

from __future__ import annotations

import pytest

from db.models import Feedback, Response
from tests.apphelpers import texts
from tests.test_collect_pages import Site, _count, _page, _site

# Slow: runs the pages through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

HOSTILE = {
    "twenty_digits": "12345678901234567890",
    "just_past_an_id": "2147483648",
    "superscript_two": "²",
    "arabic_indic_digits": "١٢",
    "nul": "1\x00",
    "five_thousand_digits": "9" * 5000,
}


@pytest.fixture
def site(db_url) -> Site:
    """A product with an open wave, on SQLite and on PostgreSQL."""
    return _site(db_url)


@pytest.fixture
def sqlite_site(tmp_path) -> Site:
    return _site(f"sqlite:///{tmp_path / 'rectify.db'}")


BAD_LINK_EN = "value in this link is not valid"
BAD_LINK_ZH = "值无效"


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_product_value_is_a_clear_message(monkeypatch, site, value):
    """On SQLite and PostgreSQL: each database fails differently on such a number."""
    at = _page(monkeypatch, site, "feedback.py", product=value)
    assert not at.exception
    assert f"The product= {BAD_LINK_EN}" in texts(at)
    assert not at.button
    assert _count(site, Feedback) == 0


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_wave_value_is_a_clear_message(monkeypatch, site, value):
    at = _page(monkeypatch, site, "questionnaire.py", wave=value, key="u1")
    assert not at.exception
    assert f"The wave= {BAD_LINK_EN}" in texts(at)
    assert not at.radio
    assert _count(site, Response) == 0


def test_the_message_is_in_chinese_for_a_chinese_visitor(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, "feedback.py", ui_lang="zh", product="²")
    assert f"product= {BAD_LINK_ZH}" in texts(at)
    at = _page(monkeypatch, sqlite_site, "questionnaire.py", ui_lang="zh", wave="12345678901234567890")
    assert f"wave= {BAD_LINK_ZH}" in texts(at)


def test_a_good_link_still_opens_the_page(monkeypatch, sqlite_site):
    at = _page(monkeypatch, sqlite_site, "feedback.py", product=str(sqlite_site.product_id))
    assert "MediAssist" in texts(at) and BAD_LINK_EN not in texts(at) and at.button
    at = _page(monkeypatch, sqlite_site, "questionnaire.py", wave=str(sqlite_site.wave_id), key="u1")
    assert at.radio and BAD_LINK_EN not in texts(at)

"""Repository functions on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.feedback import FeedbackIn, count_by_channel, store_feedback
from db.models import AuditEvent, Feedback
from db.surveys import add_response, create_survey_from_template, latest_satisfaction, open_wave
from db.users import (
    AccountError,
    authenticate,
    create_first_admin,
    create_user,
    recent_audit,
    update_user,
)
from db.workspace import WorkspaceError, create_product, create_round, list_products, list_rounds

PASSWORD = "correct horse battery"


def test_password_is_hashed_and_checked(engine):
    with unit_of_work(engine) as session:
        user = create_first_admin(session, "ada", PASSWORD)
        assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2")
    with unit_of_work(engine) as session:
        assert authenticate(session, "ada", PASSWORD) is not None
        assert authenticate(session, "ADA ", PASSWORD) is not None  # usernames ignore case and spaces
        assert authenticate(session, "ada", PASSWORD + "!") is None
        assert authenticate(session, "nobody", PASSWORD) is None
    with unit_of_work(engine) as session:
        actions = [e.action for e in recent_audit(session)]
    assert actions.count("login") == 2 and actions.count("login.failed") == 1


def test_first_admin_only_once(engine):
    with unit_of_work(engine) as session:
        create_first_admin(session, "ada", PASSWORD)
    with pytest.raises(AccountError) as caught, unit_of_work(engine) as session:
        create_first_admin(session, "eve", PASSWORD)
    assert caught.value.code == "already_set_up"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("username", "password", "role", "code"),
    [
        ("", PASSWORD, "analyst", "username_empty"),
        ("Ada", PASSWORD, "analyst", "username_taken"),
        ("bob", "short", "analyst", "password_short"),
        ("bob", PASSWORD, "owner", "role_unknown"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_stored(engine, username, password, role, code):
    with unit_of_work(engine) as session:
        create_first_admin(session, "ada", PASSWORD)
    with pytest.raises(AccountError) as caught, unit_of_work(engine) as session:
        create_user(session, username, password, role, actor="ada")
    assert caught.value.code == code
    with unit_of_work(engine) as session:
        assert authenticate(session, "bob", PASSWORD) is None


def test_last_admin_cannot_be_demoted_and_disabled_users_cannot_log_in(engine):
    with unit_of_work(engine) as session:
        ada = create_first_admin(session, "ada", PASSWORD)
        ann = create_user(session, "ann", PASSWORD, "analyst", actor="ada")
    with pytest.raises(AccountError) as caught, unit_of_work(engine) as session:
        update_user(session, ada.id, actor="ada", role="viewer")
    assert caught.value.code == "last_admin"
    with unit_of_work(engine) as session:
        update_user(session, ann.id, actor="ada", is_active=False)
    with unit_of_work(engine) as session:
        assert authenticate(session, "ann", PASSWORD) is None
        assert authenticate(session, "ada", PASSWORD).role == "admin"


def test_products_and_rounds(engine):
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 1", starts_on=date(2026, 4, 1))
        create_round(session, product.id, "Round 2", starts_on=date(2026, 7, 1))
    with pytest.raises(WorkspaceError) as caught, unit_of_work(engine) as session:
        create_product(session, " MediAssist ", "medical")
    assert caught.value.code == "name_taken"
    with unit_of_work(engine) as session:
        (only,) = list_products(session)
        assert [r.name for r in list_rounds(session, only.id)] == ["Round 2", "Round 1"]


def _item(product_id: int, text: str, channel: str = "in_app", **extra) -> FeedbackIn:
    return FeedbackIn(
        product_id=product_id,
        channel=channel,
        text=text,
        created_at=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
        **extra,
    )


def test_feedback_is_stored_once_and_counted_by_channel(engine):
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
        items = [
            _item(pid, "答案太慢了", respondent_key="k1"),
            _item(pid, "Wrong dosage for ibuprofen", channel="customer_service", source_ref="CS-1"),
            _item(pid, "Wrong dosage for ibuprofen", channel="customer_service", source_ref="CS-2"),
            _item(pid, "Love the new voice input", channel="community", source_ref="post-9"),
        ]
        assert store_feedback(session, items) == 4
    with unit_of_work(engine) as session:
        # A double click or a re-import brings the same items again: nothing is added.
        assert store_feedback(session, items[:2]) == 0
        assert count_by_channel(session, pid) == {
            "in_app": 1,
            "survey_comment": 0,
            "customer_service": 2,
            "community": 1,
            "other": 0,
        }


def test_a_bad_item_stores_nothing_of_its_batch(engine):
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
    with pytest.raises(ValueError), unit_of_work(engine) as session:
        store_feedback(session, [_item(pid, "fine"), _item(pid, "   ")])
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_latest_satisfaction_reads_the_newest_wave(engine):
    with unit_of_work(engine) as session:
        pid = create_product(session, "MediAssist", "medical").id
        rnd = create_round(session, pid, "Round 1")
        survey = create_survey_from_template(session, pid, "Satisfaction")
        before = open_wave(session, survey.id, rnd.id, "baseline", "Before", opens_on=date(2026, 4, 1))
        after = open_wave(session, survey.id, rnd.id, "follow_up", "After", opens_on=date(2026, 7, 1))
        for key, score in (("a", 2), ("b", 3)):
            add_response(session, before.id, key, {"accuracy": score, "ease_of_use": 4})
        for key, score in (("a", 4), ("b", 5), ("c", 5)):
            add_response(session, after.id, key, {"accuracy": score, "ease_of_use": 4, "comment": "better"})
    with unit_of_work(engine) as session:
        latest = latest_satisfaction(session, pid)
    assert latest is not None
    assert (latest.wave_name, latest.respondents) == ("After", 3)
    scores = {s.dimension: (round(s.mean, 3), s.n) for s in latest.scores}
    assert scores == {"accuracy": (4.667, 3), "ease_of_use": (4.0, 3)}


def test_audit_lands_only_with_the_change(engine):
    with pytest.raises(AccountError), unit_of_work(engine) as session:
        create_first_admin(session, "ada", PASSWORD)
        create_user(session, "bob", "short", "viewer", actor="ada")
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0

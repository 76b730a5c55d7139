"""The API's use cases without HTTP, on SQLite and PostgreSQL: the import's duplicate rules for items,
replies kept per Idempotency-Key (and raced by threads), keys hashed, revoked and forgotten replies."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from db.engine import unit_of_work
from db.models import ApiKey, Feedback, IdempotencyRecord
from db.workspace import create_product, create_round
from services.api_intake import ApiRefusal, caller_of, submit_feedback
from services.api_keys import create_key, hash_key, revoke_key


@pytest.fixture
def key(engine) -> str:
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 1")
        create_product(session, "Tutor", "education")
        return create_key(session, "MediAssist", ["feedback:write"], actor="ada").secret


def _send(
    engine, key: str, items: list[dict[str, object]], idem: str | None = None, product: object = "MediAssist"
):
    body = {"product": product, "items": items}
    return submit_feedback(engine, caller_of(engine, key), body, json.dumps(body).encode(), idem)


def _rows(engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Feedback)) or 0)


def test_items_follow_the_import_duplicate_rules(engine, key):
    first = _send(
        engine,
        key,
        [
            {"text": "slow answers", "respondent_key": "c1"},
            {"text": "slow answers", "respondent_key": "c1"},  # a repeat within the request
            {"text": "slow answers", "respondent_key": "c2"},  # another respondent: another item
            {
                "text": "slow answers",
                "respondent_key": "c1",
                "created_at": "2026-11-01 10:00",
            },  # dated: its own
            {"rating": 4},
        ],
    )
    assert first.body == {"stored": 4, "duplicates": 1, "rejected": []}
    # Sent again (no Idempotency-Key): every item is recognised, nothing is added.
    again = _send(
        engine,
        key,
        [
            {"text": "slow answers", "respondent_key": "c1"},
            {"text": "slow answers", "respondent_key": "c1", "created_at": "2026-11-01T02:00:00Z"},
        ],
    )
    assert again.body == {"stored": 0, "duplicates": 2, "rejected": []}
    assert _rows(engine) == 4


def test_a_key_stores_only_its_hash_and_a_revoked_key_is_refused(engine, key):
    with unit_of_work(engine) as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.key_hash == hash_key(key) and key not in (row.key_hash, row.prefix)
        assert row.prefix == key[:12]
        revoke_key(session, row.id, actor="ada")
    with pytest.raises(ApiRefusal) as refused:
        caller_of(engine, key)
    assert refused.value.code == "unauthorized"


def test_another_product_is_refused_before_anything_is_stored(engine, key):
    for product in ("Tutor", "Nope", 999):
        with pytest.raises(ApiRefusal) as refused:
            _send(engine, key, [{"text": "x"}], product=product)
        assert refused.value.code == "wrong_product"
    assert _send(engine, key, [{"text": "by id"}], product=1).status == 200
    assert _rows(engine) == 1


def test_threads_racing_one_idempotency_key_store_once_and_get_one_reply(engine, key):
    items = [{"text": f"raced {i}"} for i in range(50)]
    barrier = threading.Barrier(8)

    def send(_: int) -> dict[str, object]:
        barrier.wait()
        return _send(engine, key, items, idem="race-1").body

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(send, range(8)))
    assert all(reply == {"stored": 50, "duplicates": 0, "rejected": []} for reply in replies)
    assert _rows(engine) == 50
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


def test_kept_replies_are_forgotten_after_a_day(engine, key):
    _send(engine, key, [{"text": "old"}], idem="old-1")
    with unit_of_work(engine) as session:
        session.execute(update(IdempotencyRecord).values(created_at=datetime.now(UTC) - timedelta(hours=25)))
    _send(engine, key, [{"text": "new"}], idem="new-1")
    with unit_of_work(engine) as session:
        assert session.scalars(select(IdempotencyRecord.key)).all() == ["new-1"]
    # After a day the key is free again: the same body is answered afresh (its item is a duplicate now).
    assert _send(engine, key, [{"text": "old"}], idem="old-1").body == {
        "stored": 0,
        "duplicates": 1,
        "rejected": [],
    }

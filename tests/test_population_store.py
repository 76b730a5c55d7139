"""The product's user list in the database: replaced whole, read back with its attributes, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db import population
from db.engine import unit_of_work
from db.models import Product


def _product(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        product = Product(name="Assistant")
        session.add(product)
        session.flush()
        return product.id


def test_a_new_list_replaces_the_old_one_and_reads_back(engine: Engine) -> None:
    product_id = _product(engine)
    with unit_of_work(engine) as session:
        population.replace_population(
            session, product_id, [("a", {"region": "north"}), ("b", {"region": "south"})]
        )
    with unit_of_work(engine) as session:
        stored = population.replace_population(
            session, product_id, [("c", {"region": "east", "plan": "pro"}), ("d", {"region": "east"})]
        )
    assert stored == 2
    with unit_of_work(engine) as session:
        frame = population.population_frame(session, product_id)
        assert population.population_size(session, product_id) == 2
    assert list(frame["user_key"]) == ["c", "d"]
    assert list(frame["region"]) == ["east", "east"]
    assert frame["plan"].isna().tolist() == [False, True]


def test_a_failed_replacement_keeps_the_previous_list(engine: Engine) -> None:
    product_id = _product(engine)
    with unit_of_work(engine) as session:
        population.replace_population(session, product_id, [("a", {"region": "north"})])
    with pytest.raises(Exception), unit_of_work(engine) as session:  # noqa: B017, PT011 (any database error)
        population.replace_population(session, product_id, [("x", {}), ("x", {})])  # repeated key
    with unit_of_work(engine) as session:
        assert list(population.population_frame(session, product_id)["user_key"]) == ["a"]

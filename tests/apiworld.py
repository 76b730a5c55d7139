"""A database with what the API tests need: two products, a survey wave and API keys of each scope."""

from __future__ import annotations

from dataclasses import dataclass

from db import migrate
from db.engine import make_engine, unit_of_work
from db.surveys import create_survey_from_template, open_wave, set_wave_open
from db.workspace import create_product, create_round
from services.api_keys import create_key, revoke_key


@dataclass(frozen=True)
class ApiWorld:
    """Ids and keys of the prepared database."""

    product_id: int
    wave_id: int
    closed_wave_id: int
    other_wave_id: int
    feedback_key: str
    responses_key: str
    other_product_key: str
    revoked_key: str
    spare_keys: tuple[str, ...]


def make_world(url: str, spare_keys: int = 0) -> ApiWorld:
    """Migrate the database at `url` and fill it; the server started afterwards finds it at head."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        wave = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        closed = open_wave(session, survey.id, rnd.id, "follow_up", "After")
        set_wave_open(session, closed.id, False)
        other = create_product(session, "Tutor", "education")
        other_round = create_round(session, other.id, "Round 1")
        other_survey = create_survey_from_template(session, other.id, "Tutor survey")
        other_wave = open_wave(session, other_survey.id, other_round.id, "baseline", "Before")
        feedback = create_key(session, "MediAssist", ["feedback:write"], actor="test")
        responses = create_key(session, str(product.id), ["responses:write"], actor="test")
        other_key = create_key(session, "Tutor", ["feedback:write", "responses:write"], actor="test")
        revoked = create_key(session, "MediAssist", ["feedback:write"], actor="test")
        revoke_key(session, revoked.info.id, actor="test")
        spares = tuple(
            create_key(session, "MediAssist", ["feedback:write"], actor="test").secret
            for _ in range(spare_keys)
        )
        world = ApiWorld(
            product_id=product.id,
            wave_id=wave.id,
            closed_wave_id=closed.id,
            other_wave_id=other_wave.id,
            feedback_key=feedback.secret,
            responses_key=responses.secret,
            other_product_key=other_key.secret,
            revoked_key=revoked.secret,
            spare_keys=spares,
        )
    engine.dispose()
    return world

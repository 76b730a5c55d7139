"""The before/after use cases (services/verification.py) without a page: default waves and periods, a pain
point before and after, the review material; and the layers stay apart (analytics pure, services
without Streamlit)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pandas as pd

from db.engine import unit_of_work
from db.waves import RoundInfo, WaveInfo
from services import verification
from tests.conftest import ROOT
from tests.verify_support import likert_rows, small_workspace


def _wave(
    id: int, kind: str, opens: date | None, responses: int = 10, closes: date | None = None
) -> WaveInfo:
    return WaveInfo(id, f"W{id}", kind, 1, "R1", 1, opens, closes, responses)


def test_the_newest_answered_follow_up_is_compared_with_the_newest_baseline_before_it():
    waves = [
        _wave(1, "baseline", date(2026, 1, 1)),
        _wave(2, "baseline", date(2026, 2, 1)),
        _wave(3, "follow_up", date(2026, 3, 1)),
        _wave(4, "follow_up", date(2026, 4, 1), responses=0),  # nobody answered yet
        _wave(5, "baseline", date(2026, 5, 1)),  # after the follow-up
    ]
    assert verification.default_waves(waves) == (2, 3)
    assert verification.default_waves(waves[2:4]) == (4, 3)  # no baseline: another wave, never the same


def test_the_periods_proposed_for_a_pain_point():
    rnd = RoundInfo(1, "R1", date(2026, 1, 1), date(2026, 6, 30))
    base = _wave(1, "baseline", date(2026, 1, 10), closes=date(2026, 1, 31))
    follow = _wave(2, "follow_up", date(2026, 5, 1), closes=date(2026, 5, 31))
    items = pd.DataFrame({"due_on": [date(2026, 3, 15), None, date(2027, 1, 1)]})
    assert verification.topic_periods(rnd, items, base, follow) == (
        date(2026, 1, 1),
        date(2026, 3, 15),  # the first item due within the periods
        date(2026, 6, 1),  # the day after the follow-up closes
    )
    first, fix, last = verification.topic_periods(None, None, base, follow)
    assert (first, last) == (date(2026, 1, 10), date(2026, 6, 1))
    assert fix == date(2026, 1, 31) + (date(2026, 5, 1) - date(2026, 1, 31)) / 2  # between the waves


def test_a_pain_point_and_the_review_material_of_a_small_workspace(engine):
    ws = small_workspace(
        engine, likert_rows([3, 4, 2, 5, 3, 4]), likert_rows([4, 5, 4, 5, 3, 4]), with_topics=True
    )
    with unit_of_work(engine) as session:
        choice = verification.waves_to_compare(session, ws.product_id, ws.round_id)
        base, follow = choice.waves
        answers = verification.wave_answers(session, [base.id, follow.id])
        doctors = verification.wave_answers(session, [base.id, follow.id], "doctor")
        choices = verification.topic_choices(session, ws.product_id, base, follow, "en")
        outcome = verification.measure_topic(
            session,
            product_id=ws.product_id,
            round_id=ws.round_id,
            run=choices.run,
            source="keywords",
            chosen="dosage, slow",
            name="dosage, slow",
            periods=(date(2026, 1, 1), date(2026, 2, 2), date(2026, 3, 1)),
            answers=answers,
            baseline=base.id,
            follow_up=follow.id,
            measure="csat",
            paired=False,
        )
        material = verification.review_material(session, ws.product_id, ws.round_id, "en")
    assert choice.segments == ["doctor", "patient"] and choice.in_round is None
    assert set(doctors["segment"]) == {"doctor"} and len(doctors) < len(answers)
    assert choices.run is not None and list(choices.topics["label"]) == ["Dosage errors", "Slow answers"]
    evidence = outcome.evidence
    assert (evidence.k_before, evidence.n_before, evidence.k_after, evidence.n_after) == (1, 1, 1, 2)
    assert evidence.topic == "dosage, slow" and evidence.sentence("en").startswith(
        "Feedback about dosage, slow"
    )
    assert (outcome.mentioned, outcome.answered) == (2, 1)  # shared-0 and b-1 wrote; b-1 answered a wave
    assert list(outcome.satisfaction["group"]) == ["mentioned", "others"]
    assert material.pain_points is not None and list(material.pain_points["label"]) == [
        "Dosage errors",
        "Slow answers",
    ]
    assert list(material.items["title"]) == ["Fix dosage"]


def test_analytics_stays_pure_and_services_never_import_streamlit():
    code = (
        "import sys; import analytics.wave_compare, analytics.topic_outcome, analytics.planner, "
        "analytics.wave_summaries, analytics.evidence, analytics.reports, analytics.charts_verify; "
        "print(sorted(m for m in ('db', 'services', 'streamlit', 'sqlalchemy') if m in sys.modules)); "
        "import services.verification; print('streamlit' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert shown[:2] == ["[]", "False"]

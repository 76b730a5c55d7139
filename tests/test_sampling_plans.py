"""Sampling plans, invitation links, quotas and tracking on stored data, on SQLite and PostgreSQL.

The user list is put in with db.population.replace_population directly (its import page is another
part of the issue); keys are pseudonymised as respondents' are.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, update

from analytics.pseudonym import pseudonymise
from db import migrate
from db.engine import unit_of_work
from db.models import Invitation, PlanStratum, Response
from db.population import replace_population
from db.settings import respondent_key_secret
from db.surveys import create_survey_from_template, open_wave
from db.workspace import create_product, create_round
from services.collect import SubmissionError, submit_response
from services.sampling_plans import (
    PlanError,
    PlanRequest,
    create_plan,
    draft_plan,
    invitation_csv,
    invitation_key,
    mark_reminded,
    submit_invited_response,
    tracking,
)

ANSWERS = {"accuracy": 4, "ease_of_use": 4, "response_speed": 3, "problem_resolution": 4, "csat": 4, "nps": 8}
REGIONS = ("north", "south", "east", "west")
HEADERS = {c: c for c in ("user", "member", "stratum", "link", "invited_at", "opened_at", "reminded_at")}


@dataclass(frozen=True)
class Site:
    product_id: int
    baseline: int
    follow_up: int
    keys: dict[str, str]  # raw user id -> stored key


def populate(engine: Engine, n: int = 400) -> Site:
    """A product with a baseline and a follow-up wave, and a user list of n users in four regions."""
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey_from_template(session, product.id, "Satisfaction")
        baseline = open_wave(session, survey.id, rnd.id, "baseline", "Before").id
        follow_up = open_wave(session, survey.id, rnd.id, "follow_up", "After").id
        secret = respondent_key_secret(session)
        keys = {f"user-{i:04d}": pseudonymise(f"user-{i:04d}", secret) for i in range(n)}
        members = [
            (key, {"region": REGIONS[i % 4] if i % 10 else "north", "plan": "pro" if i % 5 == 0 else "free"})
            for i, key in enumerate(keys.values())
        ]
        replace_population(session, product.id, members)
    return Site(product.id, baseline, follow_up, keys)


def _plan(engine: Engine, request: PlanRequest) -> int:
    with unit_of_work(engine) as session:
        return create_plan(session, request).plan_id


def _invitations(engine: Engine, wave_id: int) -> list[tuple[str, str, str]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Invitation.user_key, Invitation.stratum, Invitation.token)
            .where(Invitation.wave_id == wave_id)
            .order_by(Invitation.user_key)
        ).all()
    return [tuple(r) for r in rows]


def test_a_plan_invites_ceil_target_over_rate_per_stratum_reproducibly(engine):
    site = populate(engine)
    request = PlanRequest(site.follow_up, ("region",), target=40, expected_rate=0.25, seed=11)
    with unit_of_work(engine) as session:
        first = draft_plan(session, request)
        again = draft_plan(session, request)
        other_seed = draft_plan(session, PlanRequest(site.follow_up, ("region",), 40, 0.25, seed=12))
    assert first.keys == again.keys and first.keys != other_seed.keys
    table = first.strata.set_index("stratum")
    # north holds 120 of 400 members (every fourth, and every tenth): 12 completes, 48 invitations
    assert table.loc["north", "population"] == 120 and table.loc["north", "quota"] == 12
    assert table.loc["north", "invite"] == 48 and table.loc["north", "invited"] == 48
    assert table["quota"].to_dict() == {"east": 8, "north": 12, "south": 10, "west": 10}
    assert table["quota"].sum() == 40
    assert (table["invite"] == (table["quota"] / 0.25).apply(lambda x: int(-(-x // 1)))).all()
    plan_id = _plan(engine, request)
    stored = _invitations(engine, site.follow_up)
    assert plan_id and sorted(k for k, _, _ in stored) == sorted(first.keys)
    assert len({token for _, _, token in stored}) == len(stored)  # a token per invitation


def test_bad_requests_are_refused_and_nothing_is_stored(engine):
    site = populate(engine, n=40)
    for request, code in [
        (PlanRequest(site.follow_up, ("country",), 10, 0.2), "attribute_unknown"),
        (PlanRequest(site.follow_up, (), 0, 0.2), "target_invalid"),
        (PlanRequest(site.follow_up, (), 10, 0.0), "rate_invalid"),
        (PlanRequest(999_999, (), 10, 0.2), "wave_unknown"),
    ]:
        with pytest.raises(PlanError) as caught, unit_of_work(engine) as session:
            create_plan(session, request)
        assert caught.value.code == code
    assert _invitations(engine, site.follow_up) == []


def test_the_frequency_cap_leaves_out_members_surveyed_lately_and_the_panel_comes_first(engine):
    site = populate(engine, n=200)
    baseline_answered = [site.keys[f"user-{i:04d}"] for i in range(0, 30)]
    for raw in [f"user-{i:04d}" for i in range(0, 30)]:
        submit_response(engine, site.baseline, raw, ANSWERS)
    # Without the panel the cap leaves out the 30 baseline respondents (answered today).
    with unit_of_work(engine) as session:
        capped = draft_plan(session, PlanRequest(site.follow_up, (), 10, 0.5, cap_days=30))
        uncapped = draft_plan(session, PlanRequest(site.follow_up, (), 10, 0.5, cap_days=0))
        panel = draft_plan(session, PlanRequest(site.follow_up, (), 10, 0.5, panel_wave_id=site.baseline))
    assert capped.capped == 30 and not set(baseline_answered) & set(capped.keys)
    assert uncapped.capped == 0
    # With the panel their baseline answer does not count against the cap, and all 30 are invited.
    assert set(baseline_answered) <= set(panel.keys) and len(panel.keys) == 30
    # Someone invited to another wave yesterday is capped; 40 days ago is not.
    _plan(engine, PlanRequest(site.baseline, (), 5, 0.5, seed=3, cap_days=0))
    invited = [k for k, _, _ in _invitations(engine, site.baseline) if k not in baseline_answered]
    with unit_of_work(engine) as session:
        session.execute(
            update(Invitation)
            .where(Invitation.user_key == invited[0])
            .values(invited_at=datetime.now(UTC) - timedelta(days=40))
        )
        later = draft_plan(session, PlanRequest(site.follow_up, (), 10, 0.5, cap_days=30))
    assert later.capped == 30 + len(invited) - 1


def test_earlier_waves_response_rates_replace_the_expected_rate(engine):
    site = populate(engine, n=200)
    _plan(engine, PlanRequest(site.baseline, ("plan",), 20, 0.25, cap_days=0))
    stored = _invitations(engine, site.baseline)
    free = [t for _, s, t in stored if s == "free"]
    for token in free[:8]:  # 8 of the 'free' invitees answer
        submit_invited_response(engine, site.baseline, token, ANSWERS)
    with unit_of_work(engine) as session:
        draft = draft_plan(session, PlanRequest(site.follow_up, ("plan",), 20, 0.25, cap_days=0))
    table = draft.strata.set_index("stratum")
    assert table.loc["free", "rate_source"] == "earlier"
    assert table.loc["free", "rate"] == pytest.approx(8 / len(free))
    assert table.loc["pro", "rate_source"] == "expected"  # 4 earlier invitations: too few to trust


def test_an_invitation_link_stores_the_answer_under_the_member_and_tracking_counts_it(engine):
    site = populate(engine, n=100)
    _plan(engine, PlanRequest(site.follow_up, ("region",), 20, 0.5, seed=5))
    stored = _invitations(engine, site.follow_up)
    (key, stratum, token), (_, _, token2) = stored[0], stored[1]
    assert invitation_key(engine, site.baseline, token) is None  # another wave's link
    state = invitation_key(engine, site.follow_up, token)
    assert state is not None and state.user_key == key and not state.quota_full
    invitation_key(engine, site.follow_up, token2)
    submit_invited_response(engine, site.follow_up, token, ANSWERS, "en")
    with pytest.raises(SubmissionError) as caught:
        submit_invited_response(engine, site.follow_up, "not-a-token", ANSWERS)
    assert caught.value.code == "invitation_unknown"
    with unit_of_work(engine) as session:
        keys = session.scalars(
            select(Response.respondent_key).where(Response.wave_id == site.follow_up)
        ).all()
        state_now = tracking(session, site.follow_up)
    assert keys == [key]
    assert state_now is not None
    row = state_now.strata.set_index("stratum").loc[stratum]
    total = state_now.strata.iloc[-1]
    assert (int(total["invited"]), int(total["opened"]), int(total["completed"])) == (len(stored), 2, 1)
    assert row["completed"] == 1 and row["rr1"] == pytest.approx(1 / row["invited"])
    today = datetime.now(UTC).date()
    assert state_now.daily.to_dict("records") == [
        {"day": today, "invited": len(stored), "opened": 2, "completed": 1}
    ]


def test_the_invitation_and_reminder_lists_are_safe_csv_with_links_and_matched_user_ids(engine):
    site = populate(engine, n=60)
    _plan(engine, PlanRequest(site.follow_up, (), 10, 0.5, seed=9))
    stored = _invitations(engine, site.follow_up)
    done_key, _, done_token = stored[0]
    submit_invited_response(engine, site.follow_up, done_token, ANSWERS)
    raw_of = {v: k for k, v in site.keys.items()}
    pasted = [raw_of[done_key], raw_of[stored[1][0]], "=cmd|' /C calc'!A0"]
    with unit_of_work(engine) as session:
        everyone, _ = invitation_csv(
            session,
            site.follow_up,
            lambda t: f"/questionnaire?wave={site.follow_up}&invite={t}",
            HEADERS,
            raw_keys=pasted,
        )
        reminders, open_keys = invitation_csv(session, site.follow_up, lambda t: t, HEADERS, only_open=True)
        mark_reminded(session, site.follow_up, open_keys)
    assert everyone.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(everyone.decode("utf-8-sig"))))
    assert len(rows) == len(stored) == 20
    by_member = {r["member"]: r for r in rows}
    assert by_member[done_key]["user"] == raw_of[done_key] and by_member[stored[2][0]]["user"] == ""
    assert by_member[done_key]["link"].endswith(f"invite={done_token}")
    assert done_key not in open_keys and len(open_keys) == 19
    reminder_rows = list(csv.DictReader(io.StringIO(reminders.decode("utf-8-sig"))))
    assert {r["member"] for r in reminder_rows} == set(open_keys) and "user" not in reminder_rows[0]
    with unit_of_work(engine) as session:
        reminded = session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.reminded_at.is_not(None))
        )
    assert reminded == 19


def test_a_formula_in_a_stratum_is_made_inert_in_the_csv(engine):
    site = populate(engine, n=0)
    with unit_of_work(engine) as session:
        replace_population(
            session, site.product_id, [(f"k{i}", {"region": "=HYPERLINK(1)"}) for i in range(5)]
        )
    _plan(engine, PlanRequest(site.follow_up, ("region",), 2, 1.0))
    with unit_of_work(engine) as session:
        data, _ = invitation_csv(session, site.follow_up, lambda t: t, HEADERS)
    assert "'=HYPERLINK(1)" in data.decode("utf-8-sig")


def test_a_filled_stratum_thanks_new_invitees_but_lets_answers_be_changed(engine):
    site = populate(engine, n=40)
    _plan(engine, PlanRequest(site.follow_up, (), 2, 0.5, seed=1))  # quota 2, 4 invited
    stored = _invitations(engine, site.follow_up)
    assert len(stored) == 4
    for _, _, token in stored[:2]:
        submit_invited_response(engine, site.follow_up, token, ANSWERS)
    state = invitation_key(engine, site.follow_up, stored[2][2])
    assert state is not None and state.quota_full
    with pytest.raises(SubmissionError) as caught:
        submit_invited_response(engine, site.follow_up, stored[2][2], ANSWERS)
    assert caught.value.code == "quota_full"
    # someone who answered can still change their answers
    receipt = submit_invited_response(engine, site.follow_up, stored[0][2], {**ANSWERS, "nps": 10})
    assert receipt.status == "replaced"
    with unit_of_work(engine) as session:
        state_now = tracking(session, site.follow_up)
    assert state_now is not None and bool(state_now.strata.iloc[0]["closed"])


def test_panel_members_answer_even_when_their_group_is_full(engine):
    site = populate(engine, n=40)
    for i in range(3):
        submit_response(engine, site.baseline, f"user-{i:04d}", ANSWERS)
    _plan(engine, PlanRequest(site.follow_up, (), 1, 1.0, panel_wave_id=site.baseline))  # quota 1
    stored = {k: t for k, _, t in _invitations(engine, site.follow_up)}
    panel = [stored[site.keys[f"user-{i:04d}"]] for i in range(3)]
    assert len(stored) == 3  # the whole panel, past the one invitation the quota needs
    for token in panel:
        submit_invited_response(engine, site.follow_up, token, ANSWERS)
    with unit_of_work(engine) as session:
        answered = session.scalar(
            select(func.count()).select_from(Response).where(Response.wave_id == site.follow_up)
        )
    assert answered == 3


def _race(engine: Engine, wave_id: int, tokens: list[str], lock: bool) -> tuple[int, int]:
    """Submit every token at once from its own thread; returns (stored, thanked)."""
    barrier = threading.Barrier(len(tokens))
    outcomes: list[str] = []
    guard = threading.Lock()

    def answer(token: str) -> None:
        barrier.wait()
        try:
            submit_invited_response(engine, wave_id, token, ANSWERS, lock=lock)
            outcome = "stored"
        except SubmissionError as err:
            outcome = err.code
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=answer, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes) <= {"stored", "quota_full"}
    return outcomes.count("stored"), outcomes.count("quota_full")


@pytest.mark.slow
@pytest.mark.parametrize("lock", [True, False], ids=["locked", "unlocked"])
def test_quotas_hold_under_concurrent_answers(engine, lock):
    site = populate(engine, n=40)
    _plan(engine, PlanRequest(site.follow_up, (), 3, 0.25, seed=2))  # quota 3, 12 invited
    tokens = [t for _, _, t in _invitations(engine, site.follow_up)]
    assert len(tokens) == 12
    stored, thanked = _race(engine, site.follow_up, tokens, lock)
    with unit_of_work(engine) as session:
        completes = session.scalar(
            select(func.count()).select_from(Response).where(Response.wave_id == site.follow_up)
        )
        quota = session.scalar(select(PlanStratum.quota))
    assert completes == stored and stored + thanked == len(tokens)
    if lock:
        assert completes == quota == 3  # the stratum's lock serialises the check: exactly the quota
    else:
        assert quota <= completes <= quota + len(tokens) - 1  # the bound without it: answers in flight

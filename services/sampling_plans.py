"""Who to invite to a wave, and who answered: sampling plans, invitation links, quotas, tracking.

A plan draws a stratified, seeded sample from the product's user list (`analytics.sampling`) and
stores one invitation per member with a random token (`secrets.token_urlsafe`, 128 bits): the link
``?wave=N&invite=TOKEN`` needs no raw user key, and the answer is stored under the member's key so it
pairs with earlier waves and weights like any response. Quotas: a submission through an invitation
locks its stratum's row and counts the stratum's completes in the same transaction, so a stratum
never passes its quota (see `submit_invited_response`).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from analytics import sampling
from analytics.pseudonym import pseudonymise
from analytics.spreadsheet_safety import to_csv_bytes
from db import invitations as store
from db.engine import retrying, unit_of_work
from db.models import SamplingPlan
from db.population import population_size
from db.settings import respondent_key_secret
from db.users import audit
from db.waves import product_waves
from services.collect import ResponseReceipt, SubmissionError, record_response

DEFAULT_CAP_DAYS = 30


class PlanError(ValueError):
    """A plan that cannot be made; `code` names the reason for a translated message, nothing stored.

    Codes: wave_unknown, no_population, attribute_unknown, target_invalid, rate_invalid,
    minimum_invalid, cap_invalid, plan_started, nobody_left.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PlanRequest:
    """What the planner asks for.

    Attributes:
        wave_id: The wave the invitations are for.
        attributes: The user-list attributes the strata are made of (none: one stratum).
        target: Completed answers wanted.
        expected_rate: Response rate assumed where no earlier wave tells (0-1].
        allocation: "proportional" or "minimum".
        minimum: Completes at least per stratum with allocation "minimum".
        seed: The random seed; the same seed and list give the same invitations.
        cap_days: Leave out members invited or answering in the last days (0: no cap).
        panel_wave_id: A baseline wave whose respondents (in the list) are all invited first.
        quotas: Close a stratum's links once its quota of completes is met.
    """

    wave_id: int
    attributes: tuple[str, ...]
    target: int
    expected_rate: float
    allocation: str = "proportional"
    minimum: int = 0
    seed: int = 1
    cap_days: int = DEFAULT_CAP_DAYS
    panel_wave_id: int | None = None
    quotas: bool = True


@dataclass(frozen=True)
class PlanDraft:
    """A plan worked out but not stored: the strata table and the members drawn.

    Attributes:
        strata: Columns stratum, population (available after the cap), share, quota, rate,
            rate_source (earlier, expected), invite (planned), panel, invited (drawn).
        keys: The drawn members' keys; `member_strata` their strata and `panel` whether they answered
            the panel's baseline, same order.
        capped: Members left out by the frequency cap.
        population: Members in the list.
    """

    strata: pd.DataFrame
    keys: list[str]
    member_strata: list[str]
    panel: list[bool]
    capped: int
    population: int
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _check(request: PlanRequest) -> None:
    if request.target < 1:
        raise PlanError("target_invalid")
    if not 0 < request.expected_rate <= 1:
        raise PlanError("rate_invalid")
    if request.allocation not in sampling.ALLOCATIONS:
        raise PlanError("allocation_invalid")
    if request.minimum < 0:
        raise PlanError("minimum_invalid")
    if request.cap_days < 0:
        raise PlanError("cap_invalid")


def earlier_rates(
    session: Session, product_id: int, wave_id: int, members: pd.DataFrame, attributes: Sequence[str]
) -> pd.DataFrame:
    """Response rates per stratum from the product's other waves' invitations (RR1: completes / invited).

    Earlier invitees are put in today's strata by their attributes in the current list.

    Returns:
        Columns stratum, invited, completed, rate.
    """
    outcomes = store.earlier_outcomes(session, product_id, wave_id)
    if outcomes.empty or members.empty:
        return pd.DataFrame(columns=["stratum", "invited", "completed", "rate"])
    labelled = members[["user_key"]].assign(stratum=sampling.stratum_labels(members, attributes))
    joined = outcomes.merge(labelled, on="user_key", how="inner")
    table = joined.groupby("stratum").agg(invited=("completed", "size"), completed=("completed", "sum"))
    table = table.reset_index()
    table["rate"] = table["completed"] / table["invited"]
    return table


def draft_plan(session: Session, request: PlanRequest, now: datetime | None = None) -> PlanDraft:
    """Work out a plan: strata, quotas, invitations per stratum and the members drawn (nothing stored).

    Raises:
        PlanError: see its codes.
    """
    _check(request)
    now = now or datetime.now(UTC)
    product_id = store.wave_product(session, request.wave_id)
    if product_id is None:
        raise PlanError("wave_unknown")
    known_attributes = store.attribute_names(session, product_id)
    if not known_attributes and not population_size(session, product_id):
        raise PlanError("no_population")
    unknown = [a for a in request.attributes if a not in known_attributes]
    if unknown:
        raise PlanError("attribute_unknown", ", ".join(unknown))
    members = store.member_attributes(session, product_id, request.attributes)
    if members.empty:
        raise PlanError("no_population")
    strata = sampling.stratum_labels(members, request.attributes)
    panel_wave = request.panel_wave_id
    capped = np.zeros(len(members), dtype=bool)
    if request.cap_days:
        recent = store.surveyed_since(
            session, product_id, now - timedelta(days=request.cap_days), except_wave=panel_wave
        )
        capped = members["user_key"].isin(recent).to_numpy(dtype=bool)
    first = np.zeros(len(members), dtype=bool)
    if panel_wave is not None:
        first = (
            members["user_key"].isin(store.respondents(session, panel_wave)).to_numpy(dtype=bool) & ~capped
        )
    available = members.loc[~capped]
    available_strata = strata[~capped]
    sizes = available_strata.value_counts().to_dict()
    earlier = earlier_rates(session, product_id, request.wave_id, members, request.attributes)
    known = {
        str(r.stratum): float(r.rate)
        for r in earlier.itertuples()
        if r.invited >= sampling.MIN_EARLIER_INVITED and r.rate > 0
    }
    rates = {s: known.get(s, request.expected_rate) for s in sizes}
    table = sampling.allocate(
        sizes, request.target, rates, allocation=request.allocation, minimum=request.minimum
    )
    table["rate_source"] = ["earlier" if s in known else "expected" for s in table["stratum"]]
    invite = dict(zip(table["stratum"], table["invite"], strict=True))
    drawn = sampling.draw(
        available["user_key"].to_numpy(dtype=object),
        available_strata.to_numpy(dtype=object),
        invite,
        request.seed,
        first=first[~capped],
    )
    keys = available["user_key"].to_numpy(dtype=object)[drawn]
    in_panel = first[~capped][drawn]
    member_strata = available_strata.to_numpy(dtype=object)[drawn]
    invited = pd.Series(member_strata, dtype=object).value_counts()
    panel = pd.Series(available_strata.to_numpy(dtype=object)[first[~capped]], dtype=object).value_counts()
    table["panel"] = table["stratum"].map(panel).fillna(0).astype(int)
    table["invited"] = table["stratum"].map(invited).fillna(0).astype(int)
    warnings = []
    if (table["quota"] * 1.0 / table["rate"] > table["population"] + 1e-9).any():
        warnings.append("short")
    if not len(keys):
        raise PlanError("nobody_left")
    return PlanDraft(
        table,
        [str(k) for k in keys],
        [str(s) for s in member_strata],
        [bool(x) for x in in_panel],
        int(capped.sum()),
        len(members),
        tuple(warnings),
    )


@dataclass(frozen=True)
class PlanSummary:
    """A stored plan: its id, how many were invited, left out by the cap, and warnings ("short")."""

    plan_id: int
    invited: int
    capped: int
    warnings: tuple[str, ...]


def create_plan(session: Session, request: PlanRequest, created_by: str | None = None) -> PlanSummary:
    """Draw and store a plan with an invitation (random token) per member drawn.

    A wave's plan may be drawn again (it is replaced) until one of its links was opened.

    Raises:
        PlanError: see its codes; nothing is stored.
    """
    now = datetime.now(UTC)
    draft = draft_plan(session, request, now)
    old = store.plan_of_wave(session, request.wave_id)
    if old is not None:
        if store.any_opened(session, old.id):
            raise PlanError("plan_started")
        store.delete_plan(session, old.id)
        session.flush()
    plan = SamplingPlan(
        wave_id=request.wave_id,
        seed=request.seed,
        strata=list(request.attributes),
        target=request.target,
        expected_rate=request.expected_rate,
        allocation=request.allocation,
        minimum=request.minimum,
        cap_days=request.cap_days,
        panel_wave_id=request.panel_wave_id,
        quotas=request.quotas,
        created_by=created_by,
    )
    strata = [
        {
            "stratum": str(r.stratum)[:200],
            "population": int(r.population),
            "rate": float(r.rate),
            "rate_source": str(r.rate_source),
            "quota": int(r.quota),
            "invited": int(r.invited),
        }
        for r in draft.strata.itertuples()
    ]
    rows = [
        (k, s[:200], secrets.token_urlsafe(16), p)
        for k, s, p in zip(draft.keys, draft.member_strata, draft.panel, strict=True)
    ]
    plan_id = store.store_plan(session, plan, strata, rows, now)
    return PlanSummary(plan_id, len(rows), draft.capped, draft.warnings)


def plan_wave(session: Session, request: PlanRequest, actor: str) -> PlanSummary:
    """`create_plan` on behalf of a staff member, recorded in the audit log in the same transaction.

    Raises:
        PlanError: see its codes; nothing is stored.
    """
    summary = create_plan(session, request, created_by=actor)
    audit(session, actor, "sampling.plan", "wave", request.wave_id, {"invited": summary.invited})
    return summary


@dataclass(frozen=True)
class Tracking:
    """Where a plan's invitations stand.

    Attributes:
        strata: Columns stratum, quota, invited, opened, completed, rr1, closed (quota met), rate
            (the rate the plan assumed), rate_source; a last row "all" sums them.
        daily: Columns day (UTC date), invited, opened, completed: events per day.
    """

    plan_id: int
    wave_id: int
    strata: pd.DataFrame
    daily: pd.DataFrame
    quotas: bool


def tracking(session: Session, wave_id: int) -> Tracking | None:
    """Invited, opened and completed per stratum and per day, with RR1; None when the wave has no plan."""
    plan = store.plan_of_wave(session, wave_id)
    if plan is None:
        return None
    strata = store.plan_strata(session, plan.id)
    inv = store.invitations_frame(session, plan.id)
    counts = inv.groupby("stratum").agg(opened=("opened_at", "count"), completed=("completed_at", "count"))
    table = strata.merge(counts, left_on="stratum", right_index=True, how="left").fillna(
        {"opened": 0, "completed": 0}
    )
    table[["opened", "completed"]] = table[["opened", "completed"]].astype(int)
    table["rr1"] = [
        sampling.response_rate(int(i), int(c))
        for i, c in zip(table["invited"], table["completed"], strict=True)
    ]
    table["closed"] = plan.quotas & (table["completed"] >= table["quota"])
    total = {
        "stratum": "all",
        "population": int(table["population"].sum()),
        "rate": math.nan,
        "rate_source": "",
        "quota": int(table["quota"].sum()),
        "invited": int(table["invited"].sum()),
        "opened": int(table["opened"].sum()),
        "completed": int(table["completed"].sum()),
        "rr1": sampling.response_rate(int(table["invited"].sum()), int(table["completed"].sum())),
        "closed": False,
    }
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    columns = [
        "stratum",
        "population",
        "quota",
        "invited",
        "opened",
        "completed",
        "rr1",
        "closed",
        "rate",
        "rate_source",
    ]
    daily_parts = {
        name: inv[column].dropna().dt.date.value_counts()
        for name, column in (
            ("invited", "invited_at"),
            ("opened", "opened_at"),
            ("completed", "completed_at"),
        )
    }
    daily = pd.DataFrame(daily_parts).fillna(0).astype(int).sort_index()
    daily.index.name = "day"
    return Tracking(plan.id, wave_id, table[columns], daily.reset_index(), plan.quotas)


def _raw_keys(session: Session, raw_keys: Sequence[str]) -> dict[str, str]:
    secret = respondent_key_secret(session)
    return {pseudonymise(k, secret): k for k in raw_keys if k.strip()}


def invitation_csv(
    session: Session,
    wave_id: int,
    link_for: Callable[[str], str],
    headers: Mapping[str, str],
    *,
    only_open: bool = False,
    raw_keys: Sequence[str] = (),
) -> tuple[bytes, list[str]]:
    """The invitation list (or, with `only_open`, the reminder list: not completed) as CSV bytes.

    UTF-8 with a byte order mark, formula-safe cells. Columns: the product's own user key when the
    staff member gave the raw keys (matched by their keyed hash; never stored), the member's
    pseudonymous key, the stratum, the personal link, and when it was sent, opened and reminded.

    Args:
        session: The database session.
        wave_id: The wave whose plan is exported.
        link_for: The questionnaire link of an invitation token.
        headers: Column names by column (user, member, stratum, link, invited_at, opened_at,
            reminded_at), in the staff member's language.
        only_open: Only invitees who have not completed (the reminder list).
        raw_keys: The product's user keys, to put beside the pseudonymous ones.

    Returns:
        The CSV and the pseudonymous keys it lists.
    """
    plan = store.plan_of_wave(session, wave_id)
    if plan is None:
        return b"", []
    inv = store.invitations_frame(session, plan.id)
    if only_open:
        inv = inv[inv["completed_at"].isna()]
    by_hash = _raw_keys(session, raw_keys) if raw_keys else {}
    out = pd.DataFrame()
    if by_hash:
        out[headers["user"]] = inv["user_key"].map(by_hash).fillna("")
    out[headers["member"]] = inv["user_key"].to_numpy()
    out[headers["stratum"]] = inv["stratum"].to_numpy()
    out[headers["link"]] = [link_for(token) for token in inv["token"]]
    for column in ("invited_at", "opened_at", "reminded_at"):
        out[headers[column]] = inv[column].dt.strftime("%Y-%m-%d %H:%M").fillna("").to_numpy()
    return to_csv_bytes(out), [str(k) for k in inv["user_key"]]


def mark_reminded(session: Session, wave_id: int, user_keys: Sequence[str]) -> None:
    """Record that a reminder went to these invitees of the wave's plan."""
    plan = store.plan_of_wave(session, wave_id)
    if plan is not None:
        store.mark_reminded(session, plan.id, user_keys, datetime.now(UTC))


@dataclass(frozen=True)
class InvitationState:
    """What the questionnaire shows for an invitation link.

    Attributes:
        user_key: The member's key, which the answers are stored under.
        quota_full: The stratum's quota is met and this member has not answered (show the thank-you).
        answered: The member has answered the wave already.
    """

    user_key: str
    quota_full: bool
    answered: bool


def open_invitation(session: Session, wave_id: int, token: str) -> InvitationState | None:
    """Record the first visit of an invitation link and say whether its stratum still takes answers.

    Returns:
        None for a token unknown or of another wave.
    """
    info = store.invitation_by_token(session, token.strip()) if token.strip() else None
    if info is None or info.wave_id != wave_id:
        return None
    store.mark_opened(session, info.id, datetime.now(UTC))
    answered = store.has_answered(session, wave_id, info.user_key)
    full = (
        info.quotas
        and not info.panel
        and not answered
        and store.stratum_completes(session, info.plan_id, info.stratum) >= info.quota
    )
    return InvitationState(info.user_key, full, answered)


def record_invited_response(
    session: Session,
    wave_id: int,
    token: str,
    answers: Mapping[str, object],
    language: str | None = None,
    *,
    lock: bool = True,
) -> ResponseReceipt:
    """Store an invitee's answers under their member key, unless their stratum's quota is met.

    The quota is checked in the response's own transaction after taking the stratum's lock
    (:func:`db.invitations.lock_stratum`), so concurrent submissions to one stratum are counted one
    after the other and completes never exceed the quota. `lock=False` (for the tests only) shows
    what a check without it allows: up to quota + (submissions in flight - 1).

    Raises:
        SubmissionError: code invitation_unknown, quota_full, or any of record_response's.
    """
    info = store.invitation_by_token(session, token.strip()) if token.strip() else None
    if info is None or info.wave_id != wave_id:
        raise SubmissionError("invitation_unknown")
    now = datetime.now(UTC)
    if info.quotas and not info.panel and not store.has_answered(session, wave_id, info.user_key):
        if lock:
            store.lock_stratum(session, info.stratum_id, now)
        if store.stratum_completes(session, info.plan_id, info.stratum) >= info.quota:
            raise SubmissionError("quota_full")
    store.mark_opened(session, info.id, now)
    return record_response(session, wave_id, "", answers, language, stored_key=info.user_key)


def submit_invited_response(
    engine: Engine,
    wave_id: int,
    token: str,
    answers: Mapping[str, object],
    language: str | None = None,
    *,
    lock: bool = True,
) -> ResponseReceipt:
    """`record_invited_response` in a transaction of its own, retried when it lost a race."""
    return retrying(
        engine, lambda session: record_invited_response(session, wave_id, token, answers, language, lock=lock)
    )


def invitation_key(engine: Engine, wave_id: int, token: str) -> InvitationState | None:
    """`open_invitation` in a transaction of its own."""
    with unit_of_work(engine) as session:
        return open_invitation(session, wave_id, token)


def wave_choices(session: Session, product_id: int) -> list[tuple[int, str, str]]:
    """The product's waves as (id, name, kind), newest first, for the planner's pickers."""
    return [(w.id, w.name, w.kind) for w in reversed(product_waves(session, product_id))]


def list_attributes(session: Session, product_id: int) -> list[str]:
    """The attributes the product's user list holds (those of its first members), for the strata picker."""
    return store.attribute_names(session, product_id)


def plan_settings(session: Session, wave_id: int) -> SamplingPlan | None:
    """The wave's stored plan (its settings), if any."""
    return store.plan_of_wave(session, wave_id)

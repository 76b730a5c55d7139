"""Repository functions for sampling plans, their strata (quotas) and invitations.

Completion is never stored on an invitation: it is a response of the invitation's wave under the
member's key, so a response deleted later (a respondent forgotten) no longer counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.models import Invitation, PlanStratum, PopulationMember, Response, SamplingPlan, Survey, Wave

_INSERT_CHUNK = 5000
INVITATION_COLUMNS = (
    "user_key",
    "stratum",
    "token",
    "invited_at",
    "opened_at",
    "reminded_at",
    "completed_at",
)


@dataclass(frozen=True)
class InvitationInfo:
    """An invitation as the questionnaire needs it."""

    id: int
    plan_id: int
    wave_id: int
    user_key: str
    stratum: str
    stratum_id: int
    quota: int
    quotas: bool
    panel: bool
    opened_at: datetime | None


def wave_product(session: Session, wave_id: int) -> int | None:
    """The product whose survey the wave runs, or None for an unknown wave."""
    return session.scalar(
        select(Survey.product_id).join(Wave, Wave.survey_id == Survey.id).where(Wave.id == wave_id)
    )


def member_attributes(session: Session, product_id: int, attributes: Sequence[str]) -> pd.DataFrame:
    """The user list's keys with only the named attributes, read out of the JSON by the database.

    Faster than :func:`db.population.population_frame` for a big list: no dict per member is built.

    Returns:
        Columns user_key, then one per attribute (missing values: None), in import order.
    """
    columns = [PopulationMember.attributes[a].as_string().label(f"a{i}") for i, a in enumerate(attributes)]
    rows = session.execute(
        select(PopulationMember.user_key, *columns)
        .where(PopulationMember.product_id == product_id)
        .order_by(PopulationMember.id)
    ).all()
    return pd.DataFrame(rows, columns=["user_key", *attributes], dtype=object)


def attribute_names(session: Session, product_id: int, sample: int = 1000) -> list[str]:
    """The attribute names found in the first `sample` members of the user list, sorted."""
    query = (
        select(PopulationMember.attributes)
        .where(PopulationMember.product_id == product_id)
        .order_by(PopulationMember.id)
        .limit(sample)
    )
    return sorted({name for attrs in session.scalars(query) for name in attrs})


def plan_of_wave(session: Session, wave_id: int) -> SamplingPlan | None:
    """The wave's sampling plan, if it has one."""
    return session.scalar(select(SamplingPlan).where(SamplingPlan.wave_id == wave_id))


def any_opened(session: Session, plan_id: int) -> bool:
    """Whether any invitation of the plan was opened (then the plan can no longer be replaced)."""
    query = select(Invitation.id).where(Invitation.plan_id == plan_id, Invitation.opened_at.is_not(None))
    return session.scalar(query.limit(1)) is not None


def delete_plan(session: Session, plan_id: int) -> None:
    """Remove a plan with its strata and invitations."""
    session.execute(delete(Invitation).where(Invitation.plan_id == plan_id))
    session.execute(delete(PlanStratum).where(PlanStratum.plan_id == plan_id))
    session.execute(delete(SamplingPlan).where(SamplingPlan.id == plan_id))


def store_plan(
    session: Session,
    plan: SamplingPlan,
    strata: Sequence[dict[str, object]],
    invitations: Sequence[tuple[str, str, str, bool]],
    invited_at: datetime,
) -> int:
    """Store a plan, its strata rows and its invitations (user key, stratum, token, panel); returns the plan id."""
    session.add(plan)
    session.flush()
    if strata:
        session.execute(insert(PlanStratum), [{"plan_id": plan.id, **row} for row in strata])
    rows = [
        {
            "plan_id": plan.id,
            "wave_id": plan.wave_id,
            "user_key": k,
            "stratum": s,
            "token": t,
            "panel": p,
            "invited_at": invited_at,
        }
        for k, s, t, p in invitations
    ]
    for start in range(0, len(rows), _INSERT_CHUNK):
        session.execute(insert(Invitation), rows[start : start + _INSERT_CHUNK])
    return plan.id


def plan_strata(session: Session, plan_id: int) -> pd.DataFrame:
    """The plan's strata.

    Returns:
        Columns stratum, population, rate, rate_source, quota, invited; sorted by stratum.
    """
    rows = session.execute(
        select(
            PlanStratum.stratum,
            PlanStratum.population,
            PlanStratum.rate,
            PlanStratum.rate_source,
            PlanStratum.quota,
            PlanStratum.invited,
        )
        .where(PlanStratum.plan_id == plan_id)
        .order_by(PlanStratum.stratum)
    ).all()
    return pd.DataFrame(rows, columns=["stratum", "population", "rate", "rate_source", "quota", "invited"])


def _completed_join() -> ColumnElement[bool]:
    return and_(Response.wave_id == Invitation.wave_id, Response.respondent_key == Invitation.user_key)


def invitations_frame(session: Session, plan_id: int) -> pd.DataFrame:
    """Every invitation of the plan with when it was completed (NaT: not yet).

    Returns:
        Columns user_key, stratum, token, invited_at, opened_at, reminded_at, completed_at (UTC).
    """
    query = (
        select(
            Invitation.user_key,
            Invitation.stratum,
            Invitation.token,
            Invitation.invited_at,
            Invitation.opened_at,
            Invitation.reminded_at,
            Response.submitted_at,
        )
        .outerjoin(Response, _completed_join())
        .where(Invitation.plan_id == plan_id)
        .order_by(Invitation.stratum, Invitation.id)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=list(INVITATION_COLUMNS))
    for column in ("invited_at", "opened_at", "reminded_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def invitation_by_token(session: Session, token: str) -> InvitationInfo | None:
    """The invitation with this token, or None."""
    row = session.execute(
        select(Invitation, PlanStratum.id, PlanStratum.quota, SamplingPlan.quotas)
        .join(SamplingPlan, SamplingPlan.id == Invitation.plan_id)
        .join(
            PlanStratum,
            (PlanStratum.plan_id == Invitation.plan_id) & (PlanStratum.stratum == Invitation.stratum),
        )
        .where(Invitation.token == token)
    ).first()
    if row is None:
        return None
    inv, stratum_id, quota, quotas = row
    return InvitationInfo(
        inv.id,
        inv.plan_id,
        inv.wave_id,
        inv.user_key,
        inv.stratum,
        stratum_id,
        quota,
        quotas,
        inv.panel,
        inv.opened_at,
    )


def mark_opened(session: Session, invitation_id: int, when: datetime) -> None:
    """Record the first visit of an invitation's link (a later visit changes nothing)."""
    session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id, Invitation.opened_at.is_(None))
        .values(opened_at=when)
    )


def mark_reminded(session: Session, plan_id: int, user_keys: Sequence[str], when: datetime) -> None:
    """Record that these members of the plan were sent a reminder."""
    keys = list(user_keys)
    for start in range(0, len(keys), _INSERT_CHUNK):
        session.execute(
            update(Invitation)
            .where(
                Invitation.plan_id == plan_id, Invitation.user_key.in_(keys[start : start + _INSERT_CHUNK])
            )
            .values(reminded_at=when)
        )


def lock_stratum(session: Session, stratum_id: int, when: datetime) -> None:
    """Take the stratum's lock for the rest of the transaction by writing its row.

    PostgreSQL locks the row (as SELECT ... FOR UPDATE would); SQLite takes its write lock, which a
    plain SELECT (outside pysqlite's implicit transaction) would not. Either way a second submission
    to the stratum waits here until the first commits, then counts its answer.
    """
    session.execute(update(PlanStratum).where(PlanStratum.id == stratum_id).values(last_answer_at=when))


def stratum_completes(session: Session, plan_id: int, stratum: str) -> int:
    """How many invitees of the plan's stratum have answered its wave."""
    query = (
        select(func.count())
        .select_from(Invitation)
        .join(Response, _completed_join())
        .where(Invitation.plan_id == plan_id, Invitation.stratum == stratum)
    )
    return int(session.scalar(query) or 0)


def has_answered(session: Session, wave_id: int, user_key: str) -> bool:
    """Whether a response of the wave is stored under this key."""
    query = select(Response.id).where(Response.wave_id == wave_id, Response.respondent_key == user_key)
    return session.scalar(query.limit(1)) is not None


def surveyed_since(
    session: Session, product_id: int, since: datetime, *, except_wave: int | None
) -> set[str]:
    """Keys invited to, or answering, any wave of the product since `since` (the frequency cap).

    Responses to `except_wave` (the panel's baseline) do not count.
    """
    waves = select(Wave.id).join(Survey, Survey.id == Wave.survey_id).where(Survey.product_id == product_id)
    invited = select(Invitation.user_key).where(Invitation.wave_id.in_(waves), Invitation.invited_at >= since)
    answered = select(Response.respondent_key).where(
        Response.wave_id.in_(waves), Response.submitted_at >= since
    )
    if except_wave is not None:
        answered = answered.where(Response.wave_id != except_wave)
    return {str(k) for k in session.scalars(invited)} | {str(k) for k in session.scalars(answered)}


def respondents(session: Session, wave_id: int) -> set[str]:
    """The keys that answered the wave."""
    return {
        str(k) for k in session.scalars(select(Response.respondent_key).where(Response.wave_id == wave_id))
    }


def earlier_outcomes(session: Session, product_id: int, except_wave: int) -> pd.DataFrame:
    """Every invitation of the product's other waves, and whether it was completed.

    Returns:
        Columns user_key, completed (bool).
    """
    waves = select(Wave.id).join(Survey, Survey.id == Wave.survey_id).where(Survey.product_id == product_id)
    query = (
        select(Invitation.user_key, Response.id.is_not(None))
        .outerjoin(Response, _completed_join())
        .where(Invitation.wave_id.in_(waves), Invitation.wave_id != except_wave)
    )
    frame = pd.DataFrame(session.execute(query).all(), columns=["user_key", "completed"])
    frame["completed"] = frame["completed"].astype(bool)
    return frame

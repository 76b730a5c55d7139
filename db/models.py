"""The data model of DESIGN.md: products, rounds, feedback, surveys, topics, items, users, audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base

CHANNELS = ("in_app", "survey_comment", "customer_service", "community", "other")
DIMENSIONS = ("accuracy", "ease_of_use", "response_speed", "problem_resolution")
ROLES = ("admin", "analyst", "viewer")
ITEM_STATUSES = ("open", "in_progress", "resolved", "verified", "carried_over")
WAVE_KINDS = ("baseline", "follow_up")


class Product(Base):
    """The AI product under rectification."""

    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    domain: Mapped[str] = mapped_column(String(40), default="other")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    rounds: Mapped[list[Round]] = relationship(back_populates="product", cascade="all, delete-orphan")


class Round(Base):
    """One rectification round of a product: assess, fix, verify."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="active")  # planned, active, closed
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship(back_populates="rounds")
    __table_args__ = (UniqueConstraint("product_id", "name"),)


class Feedback(Base):
    """One piece of feedback from any channel; the text is stored redacted, never raw."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[float | None] = mapped_column(Float)  # 1-5 scale; thumbs map to 1 / 5
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    respondent_key: Mapped[str | None] = mapped_column(String(64), index=True)  # pseudonymous
    app_version: Mapped[str | None] = mapped_column(String(40))
    model_version: Mapped[str | None] = mapped_column(String(80))
    segment: Mapped[str | None] = mapped_column(String(60))
    source_ref: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))  # of the redacted text; not indexed: no lookups
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)  # same item imported twice
    category: Mapped[str | None] = mapped_column(String(20))  # filtered within a product only
    category_source: Mapped[str | None] = mapped_column(String(80))  # "model" or who corrected it
    severity: Mapped[int | None] = mapped_column(Integer)  # 1 (minor) .. 4 (critical)
    pii_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Survey(Base):
    """A satisfaction questionnaire of a product, worded in Chinese and English."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str | None] = mapped_column(String(40))  # None: built here; else the tool imported from
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    families: Mapped[dict[str, str] | None] = mapped_column(JSON)  # question code -> the team's test family
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="Question.position"
    )


class Question(Base):
    """One question of a survey, of a kind of ``analytics.questions.KINDS``.

    Once a wave has answers to it, its meaning is frozen: a new wording is a new version (a new
    question that `replaces_id` the old one, which is hidden), and removing it hides it.
    """

    __tablename__ = "questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))  # accuracy, ease_of_use, ..., csat, nps, comment
    kind: Mapped[str] = mapped_column(String(10))  # analytics.questions.KINDS
    text_zh: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    points: Mapped[int | None] = mapped_column(Integer)  # scale: 5 or 7
    wording: Mapped[str | None] = mapped_column(String(20))  # scale: satisfaction, agreement
    end_labels: Mapped[list[list[str]] | None] = mapped_column(JSON)  # scale: [zh, en] of low, mid, high
    options: Mapped[list[list[str]] | None] = mapped_column(JSON)  # choices: [zh, en] each, in order
    dimension: Mapped[str | None] = mapped_column(String(60))
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship(back_populates="questions")
    __table_args__ = (UniqueConstraint("survey_id", "code"),)


class Wave(Base):
    """One run of a survey in a round: the baseline before the fixes or a follow-up after them."""

    __tablename__ = "waves"
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # baseline, follow_up
    name: Mapped[str] = mapped_column(String(120))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Response(Base):
    """One respondent's submission to one wave (at most one per respondent per wave)."""

    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    respondent_key: Mapped[str] = mapped_column(String(64), index=True)
    segment: Mapped[str | None] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(8))  # the language the questions were shown in
    fingerprint: Mapped[str | None] = mapped_column(
        String(64)
    )  # of an imported row: a re-import adds nothing
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("wave_id", "respondent_key"),)


class Answer(Base):
    """One response's answer to one question: a number, option numbers (multi, as JSON) or a redacted text."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)  # redacted

    response: Mapped[Response] = relationship(back_populates="answers")
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)


class Embedding(Base):
    """Cached sentence embedding: a text is embedded once per model."""

    __tablename__ = "embeddings"
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (UniqueConstraint("model_id", "content_hash"),)


class TopicRun(Base):
    """One stored topic-model fit, so reopening the pain-points page is instant."""

    __tablename__ = "topic_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"))
    model_id: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    n_docs: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Topic(Base):
    """A topic of a run; `key` stays the same across runs while the topic persists."""

    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[str] | None] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(Integer, default=0)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    custom_label: Mapped[str | None] = mapped_column(String(200))  # an analyst's name, kept across runs
    merged_into: Mapped[str | None] = mapped_column(String(40))  # key of the topic that absorbed this one
    __table_args__ = (UniqueConstraint("run_id", "key"),)


class FeedbackTopic(Base):
    """A feedback item's topic in a run; `topic_id` None means the item is unclustered."""

    __tablename__ = "feedback_topics"
    run_id: Mapped[int] = mapped_column(ForeignKey("topic_runs.id", ondelete="CASCADE"), primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float | None] = mapped_column(Float)


class RectificationItem(Base):
    """A fix the team commits to: owner, metric, baseline, target, deadline, status, evidence."""

    __tablename__ = "rectification_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    topic_key: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(80))
    metric: Mapped[str | None] = mapped_column(String(80))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification_items.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ItemEvidence(Base):
    """One measurement an item was judged on: kept for good, newest last (the item shows the newest)."""

    __tablename__ = "item_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id", ondelete="CASCADE"), index=True)
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    measured_by: Mapped[str] = mapped_column(String(60))
    judgement: Mapped[str] = mapped_column(String(20))  # analytics.evidence.JUDGEMENTS
    result: Mapped[dict[str, Any]] = mapped_column(JSON)  # the measurement as stored on the item


class User(Base):
    """A staff account; respondents never log in."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    # Lowercased; single sign-on maps an identity provider's verified e-mail onto this account.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who did what to which object, and when."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AppSetting(Base):
    """Installation-wide settings kept in the database, so every app replica sees the same."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class LoginThrottle(Base):
    """Failed sign-ins counted per username or per client, so guessing slows down across sessions.

    `key` is "user:<lowercased name>" or "client:<address>"; `locked_until` is when the next try is
    accepted again.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A staff sign-in that outlives a page reload; only hashes of its secrets are stored.

    A sign-in first holds a one-time `ticket_hash` (the browser trades the ticket for the cookie);
    from then on the cookie's token is checked against `token_hash`. Deleting the row revokes it.
    """

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PopulationMember(Base):
    """One user of the product in its user list (the population a survey wave should represent).

    `user_key` is the keyed hash of the product's own user id, as a respondent's key is, so a member
    and their survey responses match; `attributes` maps attribute names (region, plan, ...) to values.
    """

    __tablename__ = "population_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(64))
    attributes: Mapped[dict[str, str]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (UniqueConstraint("product_id", "user_key"),)


API_SCOPES = ("feedback:write", "responses:write", "read")


class ApiKey(Base):
    """A key of the HTTP API for one product; only a SHA-256 hash of the secret is stored.

    `prefix` is the key's first characters, shown in lists so people can tell keys apart. A revoked key
    stays listed (who used what, when) but is refused.
    """

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyRecord(Base):
    """The reply to an API request sent with an Idempotency-Key, so a replay gets the same reply.

    One per (API key, Idempotency-Key): the unique constraint makes a concurrent replay lose the race
    instead of storing twice. `body_hash` tells a replay from a different request under the same key.
    """

    __tablename__ = "api_idempotency"
    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    route: Mapped[str] = mapped_column(String(60))
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)


class SamplingPlan(Base):
    """How a wave's invitations were drawn: stratified by `strata`, seeded, with a target of completes.

    `allocation` is proportional or minimum (at least `minimum` completes per stratum); `cap_days`
    leaves out members surveyed (invited or answered) in the last days; `panel_wave_id` names the
    baseline wave whose respondents were invited first.
    """

    __tablename__ = "sampling_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), unique=True)
    seed: Mapped[int] = mapped_column(Integer)
    strata: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[int] = mapped_column(Integer)
    expected_rate: Mapped[float] = mapped_column(Float)
    allocation: Mapped[str] = mapped_column(String(12))  # proportional, minimum
    minimum: Mapped[int] = mapped_column(Integer, default=0)
    cap_days: Mapped[int] = mapped_column(Integer, default=30)
    panel_wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id", ondelete="SET NULL"))
    quotas: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlanStratum(Base):
    """One stratum of a sampling plan: its size, response rate used, invitations and quota of completes.

    A submission through an invitation updates `last_answer_at` first: that row lock (PostgreSQL) or
    write lock (SQLite) serialises the quota check of one stratum, so it never overshoots.
    """

    __tablename__ = "plan_strata"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sampling_plans.id", ondelete="CASCADE"), index=True)
    stratum: Mapped[str] = mapped_column(String(200))
    population: Mapped[int] = mapped_column(Integer)
    rate: Mapped[float] = mapped_column(Float)
    rate_source: Mapped[str] = mapped_column(String(12))  # earlier, expected
    quota: Mapped[int] = mapped_column(Integer)
    invited: Mapped[int] = mapped_column(Integer)
    last_answer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("plan_id", "stratum"),)


class Invitation(Base):
    """One member invited to a wave by a personal link carrying `token` (random, unguessable).

    The response is stored under the member's `user_key`, so it pairs and weights like any other;
    completion is read from the wave's responses, not stored here. Panel members (`panel`) are never
    turned away by a quota: their answers make the before/after pairs.
    """

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("sampling_plans.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    stratum: Mapped[str] = mapped_column(String(200))
    panel: Mapped[bool] = mapped_column(Boolean, default=False)  # answered the panel's baseline
    token: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("wave_id", "user_key"),)

"""What respondents submit without logging in: in-app feedback, and the retry every such submission uses.

A submission is one transaction: validate, redact the free text (`analytics.pii.redact`), pseudonymise
the respondent key (keyed hash, `analytics.pseudonym`), store. Respondents are not staff, so their
submissions are not written to the audit log (it records staff actions); the stored row is the record.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analytics.pii import redact
from analytics.pseudonym import pseudonymise
from db.engine import DatabaseProblem, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import CATEGORIES, Feedback, Product, Round
from db.settings import respondent_key_secret

T = TypeVar("T")

MAX_TEXT = 2000  # characters of one comment or free-text answer
MAX_KEY = 200  # characters of a raw respondent key
# Failures a second try can cure: SQLite's writer lock, PostgreSQL's deadlock and serialization errors.
_TRANSIENT = ("database is locked", "database table is locked", "deadlock detected", "could not serialize")


class SubmissionError(ValueError):
    """A refused submission; `code` names the reason for a translated message, nothing was stored.

    In-app feedback: empty, rating_out_of_range, category_unknown, too_long, key_too_long,
    product_unknown. Questionnaire: wave_unknown, wave_closed, key_missing, key_too_long, missing,
    out_of_range, too_long, answer_unknown. `questions` names the questions concerned (their codes).
    """

    def __init__(self, code: str, questions: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {', '.join(questions)}" if questions else code)
        self.code = code
        self.questions = questions


def retrying(engine: Engine, work: Callable[[Session], T], attempts: int = 8) -> T:
    """Run `work(session)` as one transaction, again from the start when it lost a race.

    Lost races: a unique key taken by a concurrent submission (IntegrityError; the next try sees the
    row and takes the duplicate or replace path) and a locked SQLite file or a PostgreSQL deadlock.
    Anything else, validation errors included, is raised at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine) as session:
                return work(session)
        except IntegrityError:
            if attempt == attempts:
                raise
        except DatabaseProblem as problem:
            if attempt == attempts or not any(marker in problem.detail for marker in _TRANSIENT):
                raise
        # Jitter, so threads that collided do not retry in step.
        time.sleep(min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def respondent_pseudonym(session: Session, raw_key: str | None) -> str | None:
    """The stored form of a respondent key: HMAC with the installation's secret; None for no key.

    Raises:
        SubmissionError: code key_too_long.
    """
    if raw_key is None or not raw_key.strip():
        return None
    if len(raw_key) > MAX_KEY:
        raise SubmissionError("key_too_long")
    return pseudonymise(raw_key, respondent_key_secret(session))


def find_product(session: Session, ref: str) -> Product | None:
    """The product named by a link's `?product=`: its id, else its name (case and spaces ignored)."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.isdigit():
        product = session.get(Product, int(ref))
        if product is not None:
            return product
    return session.scalars(select(Product).where(func.lower(Product.name) == ref.lower())).first()


def current_round_id(session: Session, product_id: int) -> int | None:
    """The round new feedback belongs to: the newest active round, else the newest round, else None."""
    newest_first = select(Round.id).where(Round.product_id == product_id)
    newest_first = newest_first.order_by(Round.starts_on.desc().nulls_last(), Round.id.desc())
    active = session.scalars(newest_first.where(Round.status == "active").limit(1)).first()
    return active if active is not None else session.scalars(newest_first.limit(1)).first()


@dataclass(frozen=True)
class InAppFeedback:
    """One in-app feedback as the page collects it; nothing in it is redacted or pseudonymised yet.

    `token` is made once per filled-in form and `submitted_at` fixed at its first sending: a copy of
    a stored submission adds nothing, be it a double click, a resent request, or a twin racing on
    another app replica (same token and time: the database's unique dedup key refuses the second).
    Without `submitted_at` the current time is taken, and only copies sent one after the other are
    recognised.
    """

    product_id: int
    token: str
    rating: int | None = None  # 1-5 stars
    comment: str = ""
    category: str | None = None  # the respondent's hint: accuracy, interaction, performance, other
    respondent_key: str | None = None  # raw, as the product passed it
    app_version: str | None = None
    model_version: str | None = None
    segment: str | None = None
    language: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class FeedbackReceipt:
    """What was stored: `duplicate` when this submission was stored before (nothing added this time)."""

    duplicate: bool
    text: str  # the comment as stored, redacted
    pii_counts: dict[str, int] = field(default_factory=dict)


def _clip(value: str | None, length: int) -> str | None:
    # Versions and segments come from the embedding product, not the respondent: keep the feedback
    # and cut an overlong label to the column's length rather than lose the submission.
    value = (value or "").strip()
    return value[:length] or None


def record_in_app_feedback(session: Session, feedback: InAppFeedback) -> FeedbackReceipt:
    """Validate, redact, pseudonymise and store one in-app feedback, unless its token is stored already.

    Raises:
        SubmissionError: see its codes; nothing is stored.
    """
    comment = feedback.comment.strip()
    if feedback.rating is None and not comment:
        raise SubmissionError("empty")
    if feedback.rating is not None and (
        isinstance(feedback.rating, bool) or feedback.rating not in range(1, 6)
    ):
        raise SubmissionError("rating_out_of_range")
    if feedback.category is not None and feedback.category not in CATEGORIES:
        raise SubmissionError("category_unknown")
    if len(comment) > MAX_TEXT:
        raise SubmissionError("too_long")
    if not feedback.token.strip():
        raise ValueError("a submission token is required")
    if session.get(Product, feedback.product_id) is None:
        raise SubmissionError("product_unknown")
    source_ref = f"in-app:{feedback.token.strip()}"
    redaction = redact(comment)
    stored_before = session.scalar(
        select(Feedback.id).where(Feedback.channel == "in_app", Feedback.source_ref == source_ref)
    )
    if stored_before is not None:
        return FeedbackReceipt(True, redaction.text, redaction.counts)
    item = FeedbackIn(
        product_id=feedback.product_id,
        channel="in_app",
        text=redaction.text,
        created_at=feedback.submitted_at or datetime.now(UTC),
        rating=None if feedback.rating is None else float(feedback.rating),
        language=feedback.language,
        round_id=current_round_id(session, feedback.product_id),
        respondent_key=respondent_pseudonym(session, feedback.respondent_key),
        app_version=_clip(feedback.app_version, 40),
        model_version=_clip(feedback.model_version, 80),
        segment=_clip(feedback.segment, 60),
        source_ref=source_ref,
        category=feedback.category,
        category_source="respondent" if feedback.category else None,
        pii_counts=redaction.counts,
    )
    added = store_feedback(session, [item])
    return FeedbackReceipt(added == 0, redaction.text, redaction.counts)


def submit_in_app_feedback(engine: Engine, feedback: InAppFeedback) -> FeedbackReceipt:
    """`record_in_app_feedback` in a transaction of its own, retried when it lost a race."""
    return retrying(engine, lambda session: record_in_app_feedback(session, feedback))

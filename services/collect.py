"""What respondents submit without logging in: in-app feedback and questionnaire answers.

A submission is one transaction: validate, redact the free text (`analytics.pii.redact`), pseudonymise
the respondent key (keyed hash, `analytics.pseudonym`), store. Respondents are not staff, so their
submissions are not written to the audit log (it records staff actions); the stored row is the record.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from analytics.importing import language_of
from analytics.pii import redact
from analytics.pseudonym import pseudonymise
from analytics.questions import QuestionSpec
from analytics.vocabulary import CATEGORIES
from db.engine import retrying
from db.feedback import FeedbackIn, store_feedback
from db.models import Answer, Feedback, Product, Question, Response, Survey, Wave
from db.settings import respondent_key_secret
from db.surveys import ANONYMOUS_KEY, spec_of
from db.workspace import current_round_id

MAX_TEXT = 2000  # characters of one comment or free-text answer
MAX_KEY = 200  # characters of a raw respondent key


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


# An app version as products print it: 8.0.47, v2.3.1-beta.2, 1.4.0+build.77, 3.2 (1204). No group of
# seven or more digits, so a phone or ID number cannot pass for one.
_APP_VERSION = re.compile(
    r"(?![^\n]*[0-9]{7})[vV]?[0-9]{1,6}(?:\.[0-9]{1,6}){0,4}(?:[-+][0-9A-Za-z.\-]{1,30})?(?: ?\([0-9A-Za-z.\-]{1,20}\))?"
)


@dataclass(frozen=True)
class LinkLabels:
    """App version, model version and segment from the link, fit to store, and what was redacted in them."""

    app_version: str | None
    model_version: str | None
    segment: str | None
    pii_counts: dict[str, int] = field(default_factory=dict)


def link_labels(app_version: str | None, model_version: str | None, segment: str | None) -> LinkLabels:
    """Check and redact the labels a product puts in the feedback link before they are stored.

    Anyone can edit a link, so its labels are respondent input like the comment. An app version must
    look like one, else it is left out (the feedback is kept); the model version and the segment are
    free labels and are redacted like the comment. Each is cut to its column's length afterwards.
    """
    counts: Counter[str] = Counter()

    def redacted(value: str | None, length: int) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        redaction = redact(value)
        counts.update(redaction.counts)
        return redaction.text[:length] or None  # cut after redacting: a cut number could slip through

    version = (app_version or "").strip()
    return LinkLabels(
        app_version=version if _APP_VERSION.fullmatch(version) and len(version) <= 40 else None,
        model_version=redacted(model_version, 80),
        segment=redacted(segment, 60),
        pii_counts=dict(counts),
    )


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
    labels = link_labels(feedback.app_version, feedback.model_version, feedback.segment)
    pii_counts = dict(Counter(redaction.counts) + Counter(labels.pii_counts))
    stored_before = session.scalar(
        select(Feedback.id).where(Feedback.channel == "in_app", Feedback.source_ref == source_ref)
    )
    if stored_before is not None:
        return FeedbackReceipt(True, redaction.text, pii_counts)
    item = FeedbackIn(
        product_id=feedback.product_id,
        channel="in_app",
        text=redaction.text,
        created_at=feedback.submitted_at or datetime.now(UTC),
        rating=None if feedback.rating is None else float(feedback.rating),
        language=feedback.language,
        round_id=current_round_id(session, feedback.product_id),
        respondent_key=respondent_pseudonym(session, feedback.respondent_key),
        app_version=labels.app_version,
        model_version=labels.model_version,
        segment=labels.segment,
        source_ref=source_ref,
        category=feedback.category,
        category_source="respondent" if feedback.category else None,
        pii_counts=pii_counts,
    )
    added = store_feedback(session, [item])
    return FeedbackReceipt(added == 0, redaction.text, pii_counts)


def submit_in_app_feedback(engine: Engine, feedback: InAppFeedback) -> FeedbackReceipt:
    """`record_in_app_feedback` in a transaction of its own, retried when it lost a race."""
    return retrying(engine, lambda session: record_in_app_feedback(session, feedback))


@dataclass(frozen=True)
class ResponseReceipt:
    """What a submission did: status created, replaced (earlier answers updated) or unchanged."""

    status: str
    response_id: int
    pii_counts: dict[str, int] = field(default_factory=dict)


def _is_blank(value: object) -> bool:
    if isinstance(value, list | tuple | set):
        return not value
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _checked_value(spec: QuestionSpec, value: object) -> tuple[float | None, str | None] | None:
    """An answer as (number, text) when it fits the question's kind, else None.

    Scales and NPS take whole numbers in their range, yes/no 1, 0.5 or 0, a single choice an option
    number, a multiple choice a list of option numbers (stored as JSON), a number any finite number.
    """
    if spec.kind == "multi":
        chosen = value if isinstance(value, list | tuple | set) else [value]
        numbers = [_number(v) for v in chosen]
        if any(n is None or not n.is_integer() or not 1 <= n <= len(spec.options) for n in numbers):
            return None
        return None, json.dumps(sorted({int(n) for n in numbers if n is not None}))
    number = _number(value)
    if number is None:
        return None
    if spec.kind == "number":
        return number, None
    if spec.kind == "yes_no":
        return (number, None) if number in (0.0, 0.5, 1.0) else None
    low, high = spec.value_range or (1.0, float(len(spec.options)))
    if not number.is_integer() or not low <= number <= high:
        return None
    return number, None


def _checked_answers(
    questions: list[Question], answers: Mapping[str, object]
) -> dict[int, tuple[float | None, str | None]]:
    """The given answers as question id -> (number, text), after every check.

    Hidden questions take no answers: they are no longer asked.

    Raises:
        SubmissionError: codes answer_unknown, missing, out_of_range, too_long, naming the questions.
    """
    shown = [q for q in questions if not q.hidden]
    by_code = {q.code: q for q in shown}
    unknown = tuple(code for code in answers if code not in by_code)
    if unknown:
        raise SubmissionError("answer_unknown", unknown)
    missing = tuple(q.code for q in shown if q.required and _is_blank(answers.get(q.code)))
    if missing:
        raise SubmissionError("missing", missing)
    checked: dict[int, tuple[float | None, str | None]] = {}
    out_of_range: list[str] = []
    too_long: list[str] = []
    for q in shown:
        value = answers.get(q.code)
        if _is_blank(value):
            continue
        if q.kind == "text":
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                too_long.append(q.code)
            checked[q.id] = (None, text)
            continue
        answer = _checked_value(spec_of(q), value)
        if answer is None:
            out_of_range.append(q.code)
        else:
            checked[q.id] = answer
    if out_of_range:
        raise SubmissionError("out_of_range", tuple(out_of_range))
    if too_long:
        raise SubmissionError("too_long", tuple(too_long))
    return checked


def stored_respondent_key(
    session: Session, wave_id: int, raw_key: str, anonymous: bool = False
) -> str | None:
    """The key a wave's response is stored under: the respondent key's pseudonym, or an anonymous one.

    An anonymous link's key is a browser's own token. Its stored form starts with ``anon-`` (so the
    answers are never paired with another wave's) and is made from the wave and the token together, so
    one browser's answers to two waves cannot be linked either.

    Raises:
        SubmissionError: code key_too_long.
    """
    if not anonymous:
        return respondent_pseudonym(session, raw_key)
    token = respondent_pseudonym(session, f"{wave_id}:{raw_key.strip()}" if raw_key.strip() else None)
    return None if token is None else f"{ANONYMOUS_KEY}{token}"[:64]


def record_response(
    session: Session,
    wave_id: int,
    raw_key: str,
    answers: Mapping[str, object],
    language: str | None = None,
    *,
    anonymous: bool = False,
    stored_key: str | None = None,
) -> ResponseReceipt:
    """Check, redact and store one respondent's answers to an open wave, keyed by question code.

    A respondent who answered the wave before has their answers replaced (status "replaced"), or left
    as they are when nothing differs (status "unchanged", so a double click stores nothing new).
    Free-text answers are redacted and also stored as feedback of channel survey_comment, in the
    wave's round, under the same pseudonymous key.

    Args:
        session: The database session.
        wave_id: The wave answered.
        raw_key: The respondent key of a personal link, or a browser's token on the anonymous link.
        answers: The answers by question code.
        language: The language the questionnaire was shown in.
        anonymous: Whether the answers came by the wave's anonymous link (see
            :func:`stored_respondent_key`).
        stored_key: The key to store the answers under, already pseudonymised (an invitation's
            member key, ``services.sampling_plans``); `raw_key` is then ignored.

    Raises:
        SubmissionError: codes wave_unknown, wave_closed, key_missing, key_too_long, answer_unknown,
            missing, out_of_range, too_long; nothing is stored.
    """
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise SubmissionError("wave_unknown")
    if not wave.is_open:
        raise SubmissionError("wave_closed")
    key = stored_key or stored_respondent_key(session, wave_id, raw_key, anonymous)
    if key is None:
        raise SubmissionError("key_missing")
    survey = session.get(Survey, wave.survey_id)
    assert survey is not None  # a foreign key
    checked = _checked_answers(list(survey.questions), answers)
    found: dict[int, dict[str, int]] = {}  # question id -> personal data found, per type
    free_text = {q.id for q in survey.questions if q.kind == "text"}
    for question_id, (number, text) in list(checked.items()):
        if question_id in free_text and text is not None:
            redaction = redact(text)
            checked[question_id] = (number, redaction.text)
            found[question_id] = redaction.counts
    pii_counts: dict[str, int] = {}
    for counts in found.values():
        for kind, n in counts.items():
            pii_counts[kind] = pii_counts.get(kind, 0) + n
    now = datetime.now(UTC)
    response = session.scalars(
        select(Response).where(Response.wave_id == wave_id, Response.respondent_key == key).with_for_update()
    ).first()
    if response is None:
        response = Response(wave_id=wave_id, respondent_key=key, language=language, submitted_at=now)
        response.answers = [Answer(question_id=q, value_num=n, value_text=t) for q, (n, t) in checked.items()]
        session.add(response)
        session.flush()  # a concurrent first answer of the same key fails here; retrying() replaces it
        status = "created"
    else:
        stored = {a.question_id: a for a in response.answers}
        if {q: (a.value_num, a.value_text) for q, a in stored.items()} == checked:
            return ResponseReceipt("unchanged", response.id, pii_counts)
        for question_id, old in stored.items():
            if question_id not in checked:
                response.answers.remove(old)  # an optional answer left empty this time
        # Updated in place: a delete and insert of the same question would collide on its unique key.
        for question_id, (number, text) in checked.items():
            answer = stored.get(question_id)
            if answer is None:
                response.answers.append(Answer(question_id=question_id, value_num=number, value_text=text))
            else:
                answer.value_num, answer.value_text = number, text
        response.submitted_at = now
        response.language = language
        status = "replaced"
    comments = [(text, found[q]) for q, (_, text) in checked.items() if text and q in found]
    # The rating of feedback is on 1-5: the survey's overall 5-point satisfaction, when it asks one.
    rating = next(
        (checked[q.id][0] for q in survey.questions if q.id in checked and is_overall_rating(q)), None
    )
    store_survey_comments(session, survey, wave, response, comments, now, rating)
    session.flush()
    return ResponseReceipt(status, response.id, pii_counts)


def is_overall_rating(question: Question) -> bool:
    """Whether the question's answer is a feedback rating: overall satisfaction on a 5-point scale."""
    return question.kind == "scale" and question.points == 5 and question.dimension == "overall"


def store_survey_comments(
    session: Session,
    survey: Survey,
    wave: Wave,
    response: Response,
    comments: list[tuple[str, dict[str, int]]],
    submitted_at: datetime,
    rating: float | None,
) -> None:
    """Each free-text answer (redacted) also as feedback of channel survey_comment; earlier ones go.

    Args:
        session: The database session.
        survey: The survey answered.
        wave: The wave answered.
        response: The stored response (its id makes the feedback's source reference).
        comments: The redacted texts with the personal data found in each, by type.
        submitted_at: When the response was given.
        rating: The respondent's overall satisfaction on 1-5, when the survey asks it.
    """
    # The same source reference as the demo data, so every survey comment leads back to its response.
    source_ref = f"survey-response-{response.id}"
    session.execute(
        delete(Feedback).where(Feedback.channel == "survey_comment", Feedback.source_ref == source_ref)
    )
    store_feedback(
        session,
        [
            FeedbackIn(
                product_id=survey.product_id,
                channel="survey_comment",
                text=text,
                created_at=submitted_at,
                rating=rating,
                language=response.language or language_of(text),
                round_id=wave.round_id,
                respondent_key=response.respondent_key,
                segment=response.segment,
                source_ref=source_ref,
                pii_counts=counts,
            )
            for text, counts in comments
        ],
    )


def submit_response(
    engine: Engine,
    wave_id: int,
    raw_key: str,
    answers: Mapping[str, object],
    language: str | None = None,
    *,
    anonymous: bool = False,
) -> ResponseReceipt:
    """`record_response` in a transaction of its own, retried when it lost a race."""
    return retrying(
        engine,
        lambda session: record_response(session, wave_id, raw_key, answers, language, anonymous=anonymous),
    )


def _stored_response(
    session: Session, wave_id: int, raw_key: str, anonymous: bool, stored_key: str | None = None
) -> Response | None:
    try:
        key = stored_key or stored_respondent_key(session, wave_id, raw_key, anonymous)
    except SubmissionError:  # an unusable key: the submission will say why
        return None
    if key is None:
        return None
    query = select(Response).where(Response.wave_id == wave_id, Response.respondent_key == key)
    return session.scalars(query).first()


def has_responded(
    session: Session, wave_id: int, raw_key: str, *, anonymous: bool = False, stored_key: str | None = None
) -> bool:
    """Whether this respondent (raw key as in the link, or its `stored_key`) has answered the wave already."""
    return _stored_response(session, wave_id, raw_key, anonymous, stored_key) is not None


def previous_answers(
    session: Session, wave_id: int, raw_key: str, *, anonymous: bool = False, stored_key: str | None = None
) -> dict[str, object]:
    """The respondent's stored answers to the wave's shown questions, as the form takes them back.

    A scale, NPS or single choice comes back as a whole number, yes/no as 1.0, 0.5 or 0.0, a multiple
    choice as the list of option numbers, a number as a float, free text as stored (redacted).
    Nothing stored: an empty dict.
    """
    response = _stored_response(session, wave_id, raw_key, anonymous, stored_key)
    if response is None:
        return {}
    questions = {
        q.id: q
        for q in session.scalars(
            select(Question).where(Question.id.in_([a.question_id for a in response.answers]))
        )
    }
    answers: dict[str, object] = {}
    for answer in response.answers:
        question = questions[answer.question_id]
        if question.hidden:
            continue
        if question.kind == "text":
            answers[question.code] = answer.value_text or ""
        elif question.kind == "multi":
            answers[question.code] = [int(n) for n in json.loads(answer.value_text or "[]")]
        elif answer.value_num is None:
            continue
        elif question.kind in ("scale", "nps", "single"):
            answers[question.code] = int(answer.value_num)
        else:
            answers[question.code] = float(answer.value_num)
    return answers

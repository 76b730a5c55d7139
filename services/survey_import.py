"""Importing a wave of responses exported by another survey tool (问卷星, 腾讯问卷, Qualtrics, ...).

The file is read and its questions proposed by ``analytics.survey_files``; here the answers are stored
in one transaction: into an existing survey (columns matched by wording) or a new survey made from the
file's questions, as a new wave or an existing one of that survey. Respondent ids are pseudonymised as
Rectify's own respondent keys are, so a respondent pairs across waves; rows without an id get a key of
their own that is never paired. Free-text answers are redacted and also become survey_comment feedback,
as answers given in Rectify do. A row already imported (the same fingerprint in any wave of the survey)
is skipped, so importing the same file twice adds nothing; when nothing is new, no wave is created.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.importing import Rejected
from analytics.pii import redact
from analytics.pseudonym import pseudonymise
from analytics.questions import QuestionSpec
from analytics.survey_files import SurveyFile, responses_from
from db.models import Answer, Question, Response, Survey, Wave
from db.settings import respondent_key_secret
from db.surveys import ANONYMOUS_KEY, SurveyError, check_spec, create_survey, open_wave, survey_questions
from db.users import audit
from services.collect import is_overall_rating, store_survey_comments


@dataclass(frozen=True)
class WaveTarget:
    """Where the answers go: an existing wave (``wave_id``), or a new one of these round, kind and name."""

    wave_id: int | None = None
    round_id: int | None = None
    kind: str = "baseline"
    name: str = ""
    collected_on: date | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes:
        survey_id: The survey the answers went to (new or existing); None when a new survey was asked
            for and no row could be stored, so none was made.
        wave_id: The wave they went to; None when nothing was new (no wave was created).
        added: Responses stored.
        already_imported: Rows skipped because the survey holds them already (same fingerprint).
        rejected: The rows refused, with reasons (``analytics.survey_files.REASONS`` and
            ``already_answered``: an id that answered this wave already, with other answers).
        comments: Free-text answers stored (redacted) as survey_comment feedback.
        pii_counts: Personal data taken out of them, by type.
        total_rows: Respondent rows in the file.
        wave_responses: Responses the wave holds after the import.
    """

    survey_id: int | None
    wave_id: int | None
    added: int
    already_imported: int
    rejected: list[Rejected]
    comments: int
    pii_counts: dict[str, int] = field(default_factory=dict)
    total_rows: int = 0
    wave_responses: int = 0

    @property
    def rejected_rows(self) -> int:
        """Rows refused, each counted once."""
        return len({r.row for r in self.rejected})


def _survey_fingerprints(session: Session, survey_id: int) -> dict[str, int]:
    """Fingerprint -> wave id of every imported response of the survey."""
    rows = session.execute(
        select(Response.fingerprint, Response.wave_id)
        .join(Wave, Wave.id == Response.wave_id)
        .where(Wave.survey_id == survey_id, Response.fingerprint.is_not(None))
    ).all()
    return {str(f): int(w) for f, w in rows}


def _target_wave(session: Session, survey_id: int, target: WaveTarget) -> Wave:
    if target.wave_id is not None:
        wave = session.get(Wave, target.wave_id)
        if wave is None or wave.survey_id != survey_id:
            raise SurveyError("wave_unknown")
        return wave
    if target.round_id is None:
        raise SurveyError("round_unknown")
    collected = target.collected_on or datetime.now(UTC).date()
    wave = open_wave(session, survey_id, target.round_id, target.kind, target.name, opens_on=collected)
    wave.is_open, wave.closes_on = False, collected  # it ran elsewhere: Rectify takes no answers to it
    return wave


def _row_answers(
    rows: pd.DataFrame, questions: Mapping[str, Question]
) -> list[tuple[Question, float | None, str | None]]:
    """One row's answers as (question, number, text), a multiple choice's options gathered into one."""
    chosen: dict[str, list[int]] = {}
    stored: list[tuple[Question, float | None, str | None]] = []
    for code, value in zip(rows["question"], rows["value"], strict=True):
        base, _, option = str(code).partition(":")
        question = questions[base]
        if question.kind == "multi":
            picked = chosen.setdefault(base, [])
            if float(value) == 1.0:
                picked.append(int(option))
        elif question.kind == "text":
            stored.append((question, None, str(value)))
        else:
            stored.append((question, float(value), None))
    stored += [(questions[c], None, json.dumps(sorted(p))) for c, p in chosen.items()]
    return stored


def import_responses(
    session: Session,
    *,
    product_id: int,
    survey_file: SurveyFile,
    mapping: Mapping[str, str | Sequence[str]],
    id_column: str | None,
    target: WaveTarget,
    actor: str,
    survey_id: int | None = None,
    new_survey: tuple[str, Sequence[QuestionSpec]] | None = None,
) -> ImportReport:
    """Store a survey export's answers as one wave, in the caller's transaction.

    Args:
        session: The database session (one unit of work: everything or nothing is stored).
        product_id: The product.
        survey_file: The file, read by ``analytics.survey_files.read_survey``.
        mapping: Question code -> the file column(s) answering it.
        id_column: The column identifying a respondent across waves, or None.
        target: The wave the answers go to.
        actor: Who imports, for the audit log.
        survey_id: An existing survey of the product; or None with ``new_survey``.
        new_survey: (name, questions) of a survey to create from the file's questions.

    Returns:
        What was stored and refused.

    Raises:
        SurveyError: the survey or wave is unknown, the new survey or wave is refused.
        ImportProblem: the file's ids repeat, a column is unknown, a scale's points differ.
    """
    if survey_id is None:
        if new_survey is None:
            raise SurveyError("survey_unknown")
        name, specs = new_survey
        trial = responses_from(survey_file, [check_spec(q) for q in specs], mapping, id_column)
        if trial.answers.empty:  # nothing to store: no survey without answers is left behind
            return ImportReport(None, None, 0, 0, list(trial.rejected), 0, {}, trial.total_rows)
        survey = create_survey(session, product_id, name, specs, source=survey_file.layout)
    else:
        found = session.get(Survey, survey_id)
        if found is None or found.product_id != product_id:
            raise SurveyError("survey_unknown")
        survey = found
    specs = survey_questions(session, survey.id)
    read = responses_from(survey_file, specs, mapping, id_column)
    questions = {q.code: q for q in survey.questions if not q.hidden}
    seen = _survey_fingerprints(session, survey.id)
    secret = respondent_key_secret(session)
    rejected = list(read.rejected)
    fresh = read.answers[~read.answers["fingerprint"].isin(list(seen))]
    already = len(set(read.answers["fingerprint"]) & set(seen))
    if fresh.empty:
        audit_detail = {"file_rows": read.total_rows, "added": 0, "already_imported": already}
        audit(session, actor, "survey.import", "survey", survey.id, audit_detail)
        return ImportReport(survey.id, None, 0, already, rejected, 0, {}, read.total_rows)
    wave = _target_wave(session, survey.id, target)
    overall = {q.id for q in questions.values() if is_overall_rating(q)}
    taken = set(session.scalars(select(Response.respondent_key).where(Response.wave_id == wave.id)))
    added, comments, pii_counts = 0, 0, dict[str, int]()
    submitted = datetime.combine(target.collected_on or datetime.now(UTC).date(), datetime.min.time(), UTC)
    for (row, fingerprint), rows in fresh.groupby(["row", "fingerprint"], sort=True):
        raw_id = rows["respondent_key"].iloc[0]
        key = pseudonymise(str(raw_id), secret) if isinstance(raw_id, str) and raw_id else None
        key = key or f"{ANONYMOUS_KEY}{fingerprint}"[:64]
        if key in taken:
            rejected.append(Rejected(int(row), "already_answered", id_column))
            continue
        taken.add(key)
        answers = _row_answers(rows, questions)
        response = Response(
            wave_id=wave.id, respondent_key=key, fingerprint=str(fingerprint), submitted_at=submitted
        )
        cleaned: list[tuple[str, dict[str, int]]] = []
        for question, number, text in answers:
            if question.kind == "text" and text is not None:
                redaction = redact(text)
                text = redaction.text
                cleaned.append((text, redaction.counts))
                for kind, n in redaction.counts.items():
                    pii_counts[kind] = pii_counts.get(kind, 0) + n
            response.answers.append(Answer(question_id=question.id, value_num=number, value_text=text))
        session.add(response)
        session.flush()
        rating = next((n for q, n, _ in answers if q.id in overall), None)
        store_survey_comments(session, survey, wave, response, cleaned, submitted, rating)
        added += 1
        comments += len(cleaned)
    rejected.sort(key=lambda r: r.row)
    total = session.scalar(select(func.count()).select_from(Response).where(Response.wave_id == wave.id))
    audit(
        session,
        actor,
        "survey.import",
        "wave",
        wave.id,
        {
            "survey_id": survey.id,
            "layout": survey_file.layout,
            "file_rows": read.total_rows,
            "added": added,
            "already_imported": already,
            "rejected_rows": len({r.row for r in rejected}),
        },
    )
    return ImportReport(
        survey.id, wave.id, added, already, rejected, comments, pii_counts, read.total_rows, int(total or 0)
    )

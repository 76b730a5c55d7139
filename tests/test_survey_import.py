"""Importing survey responses exported by other tools (services.survey_import), on SQLite and PostgreSQL.

What a team does with the sample exports of tests/data/survey_exports: the baseline of a tool as a new
survey, the follow-up into that survey, and what they should find stored: the waves' counts, the
respondents paired across waves, multiple choices as option lists, free text redacted and in the
feedback as survey comments, nothing doubled by a second import, and bad files refused whole.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from analytics.importing import ImportProblem
from analytics.pseudonym import pseudonymise
from analytics.survey_answers import MIN_ANSWERS
from analytics.survey_files import SurveyFile, match_columns, read_survey
from db.engine import unit_of_work
from db.models import Answer, AuditEvent, Feedback, Question, Response, Survey, Wave
from db.settings import respondent_key_secret
from db.surveys import list_waves, survey_questions
from db.waves import wave_answers
from db.workspace import create_product, create_round
from services.survey_import import ImportReport, WaveTarget, import_responses
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "survey_exports"
MAY, JUNE = date(2026, 5, 20), date(2026, 6, 20)
QUALTRICS_ID = "ExternalReference"
WJX_ID = "1、您的用户ID："
# Personal data written in the sample files' free-text answers (see their README).
PERSONAL = ("13812345678", "jane.doe@example.com", "wang.fang@example.com")


@dataclass(frozen=True)
class Site:
    engine: Engine
    product_id: int
    round_id: int


@pytest.fixture
def site(engine: Engine) -> Site:
    """A product with one round, on both databases."""
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        return Site(engine, product.id, rnd.id)


def export(name: str) -> SurveyFile:
    return read_survey((DATA / name).read_bytes(), name)


def as_new_survey(
    site: Site,
    name: str,
    id_column: str | None,
    survey_name: str = "Satisfaction",
    found: SurveyFile | None = None,
) -> ImportReport:
    """The file as a new survey made from all its questions, into a new baseline wave (May 2026)."""
    found = found or export(name)
    with unit_of_work(site.engine) as session:
        return import_responses(
            session,
            product_id=site.product_id,
            survey_file=found,
            mapping={q.spec.code: q.columns for q in found.questions},
            id_column=id_column,
            target=WaveTarget(round_id=site.round_id, kind="baseline", name="May 2026", collected_on=MAY),
            actor="ann",
            new_survey=(survey_name, [q.spec for q in found.questions]),
        )


def into_survey(
    site: Site,
    name: str,
    survey_id: int,
    id_column: str | None,
    target: WaveTarget | None = None,
    found: SurveyFile | None = None,
) -> ImportReport:
    """The file into an existing survey, its columns matched by wording, by default as a June follow-up."""
    found = found or export(name)
    target = target or WaveTarget(
        round_id=site.round_id, kind="follow_up", name="June 2026", collected_on=JUNE
    )
    with unit_of_work(site.engine) as session:
        mapping = match_columns(found, survey_questions(session, survey_id)).mapping
        return import_responses(
            session,
            product_id=site.product_id,
            survey_file=found,
            mapping=mapping,
            id_column=id_column,
            target=target,
            actor="ann",
            survey_id=survey_id,
        )


def counts(engine: Engine) -> dict[str, int]:
    """Rows of each table an import writes to."""
    with unit_of_work(engine) as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Survey, Wave, Response, Answer, Feedback, AuditEvent)
        }


def paired(session: Session, baseline: int, follow_up: int) -> int:
    """Respondents with answers in both waves, as the before/after comparison pairs them."""
    answers = wave_answers(session, [baseline, follow_up]).dropna(subset=["respondent_key"])
    keys = answers.groupby("wave")["respondent_key"].apply(set).to_dict()
    return len(keys.get(baseline, set()) & keys.get(follow_up, set()))


def stored_texts(session: Session) -> list[str]:
    answers = session.scalars(select(Answer.value_text).where(Answer.value_text.is_not(None)))
    return [*answers, *session.scalars(select(Feedback.text))]


def chosen_options(session: Session, survey_id: int, wave_id: int, raw_id: str) -> list[str]:
    """The English words of the options a respondent (by the file's id) chose in a wave, as stored."""
    key = pseudonymise(raw_id, respondent_key_secret(session))
    question = session.scalars(
        select(Question).where(Question.survey_id == survey_id, Question.kind == "multi")
    ).one()
    stored = session.scalars(
        select(Answer.value_text)
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.question_id == question.id, Response.respondent_key == key, Response.wave_id == wave_id)
    ).one()
    numbers = json.loads(stored)
    assert numbers == sorted(numbers) and all(isinstance(n, int) for n in numbers)
    return [question.options[n - 1][1] for n in numbers]


# --- a tool's two waves --------------------------------------------------------------------------------


def test_qualtrics_baseline_as_a_new_survey_then_the_follow_up_into_it(site: Site) -> None:
    baseline = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    assert (baseline.added, baseline.total_rows, baseline.wave_responses) == (45, 45, 45)
    assert baseline.rejected == [] and baseline.already_imported == 0
    follow_up = into_survey(site, "qualtrics_followup.csv", baseline.survey_id, QUALTRICS_ID)
    assert follow_up.survey_id == baseline.survey_id
    assert (follow_up.added, follow_up.total_rows, follow_up.wave_responses) == (42, 42, 42)
    assert follow_up.rejected == [] and follow_up.already_imported == 0
    assert baseline.wave_id is not None and follow_up.wave_id is not None
    with unit_of_work(site.engine) as session:
        waves = list_waves(session, baseline.survey_id)
        assert [(w.kind, w.name, w.responses, w.opens_on) for w in waves] == [
            ("baseline", "May 2026", 45, MAY),
            ("follow_up", "June 2026", 42, JUNE),
        ]
        assert not any(w.is_open for w in waves)  # the waves ran in Qualtrics: Rectify takes no answers
        assert session.get(Survey, baseline.survey_id).source == "qualtrics"  # type: ignore[union-attr]
        # 27 of the baseline's ids come back in the follow-up: the comparison pairs them.
        assert paired(session, baseline.wave_id, follow_up.wave_id) == 27
        # The file's ids are not stored, only their pseudonyms.
        keys = set(session.scalars(select(Response.respondent_key)))
        assert not any(k.startswith("C-") for k in keys)
        assert pseudonymise("C-1003", respondent_key_secret(session)) in keys
        # Multiple choice ("Lab report explanation,Insurance claims help") as the chosen options' numbers.
        assert sorted(chosen_options(session, baseline.survey_id, baseline.wave_id, "C-1003")) == [
            "Insurance claims help",
            "Lab report explanation",
        ]
        assert chosen_options(session, baseline.survey_id, baseline.wave_id, "C-1001") == [
            "Insurance claims help"
        ]


def test_free_text_is_redacted_and_becomes_survey_comments(site: Site) -> None:
    baseline = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    follow_up = into_survey(site, "qualtrics_followup.csv", baseline.survey_id, QUALTRICS_ID)
    assert baseline.pii_counts and follow_up.pii_counts.get("PHONE")
    with unit_of_work(site.engine) as session:
        everything = "\n".join(stored_texts(session))
        assert not [p for p in PERSONAL if p in everything]
        assert "[PHONE]" in everything and "[EMAIL]" in everything
        texts = list(
            session.scalars(
                select(Answer.value_text).join(Question).where(Question.kind == "text").order_by(Answer.id)
            )
        )
        comments = session.scalars(select(Feedback).order_by(Feedback.id)).all()
        assert len(texts) == baseline.comments + follow_up.comments == len(comments)
        assert {c.channel for c in comments} == {"survey_comment"}
        assert sorted(c.text for c in comments) == sorted(texts)
        assert {c.round_id for c in comments} == {site.round_id}
        assert {c.created_at.date() for c in comments} == {MAY, JUNE}
        # Each comment leads back to its respondent, so the comment of a paired respondent pairs too.
        assert {c.respondent_key for c in comments} <= set(session.scalars(select(Response.respondent_key)))


def test_the_same_file_again_adds_nothing_and_makes_no_wave(site: Site) -> None:
    first = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    before = counts(site.engine)
    again = into_survey(
        site,
        "qualtrics_baseline.csv",
        first.survey_id,
        QUALTRICS_ID,
        WaveTarget(round_id=site.round_id, kind="baseline", name="May 2026 (again)", collected_on=MAY),
    )
    assert (again.wave_id, again.added, again.already_imported, again.rejected) == (None, 0, 45, [])
    into_existing = into_survey(
        site, "qualtrics_baseline.csv", first.survey_id, QUALTRICS_ID, WaveTarget(wave_id=first.wave_id)
    )
    assert (into_existing.added, into_existing.already_imported) == (0, 45)
    after = counts(site.engine)
    assert after == {**before, "audit_events": before["audit_events"] + 2}  # only the two imports' records
    with unit_of_work(site.engine) as session:
        assert [w.name for w in list_waves(session, first.survey_id)] == ["May 2026"]


def test_wjx_gbk_waves_pair_on_the_user_id_question(site: Site) -> None:
    baseline = as_new_survey(site, "wjx_baseline.csv", WJX_ID, survey_name="满意度调查")
    follow_up = into_survey(site, "wjx_followup.csv", baseline.survey_id, WJX_ID)
    assert (baseline.added, baseline.wave_responses, baseline.rejected) == (45, 45, [])
    assert (follow_up.added, follow_up.wave_responses, follow_up.rejected) == (42, 42, [])
    assert baseline.wave_id is not None and follow_up.wave_id is not None
    with unit_of_work(site.engine) as session:
        questions = survey_questions(session, baseline.survey_id)
        assert [q.text_zh for q in questions][:2] == ["您对回答的准确性满意吗？", "您对响应速度满意吗？"]
        assert [w.responses for w in list_waves(session, baseline.survey_id)] == [45, 42]
        assert paired(session, baseline.wave_id, follow_up.wave_id) == 27
        # 用药查询 in one cell (baseline, "A┋B" style) and as 0/1 sub-columns (follow-up) alike.
        key = pseudonymise("U1001", respondent_key_secret(session))
        multi = session.scalars(
            select(Question).where(Question.survey_id == baseline.survey_id, Question.kind == "multi")
        ).one()
        stored = session.scalars(
            select(Answer.value_text)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.question_id == multi.id, Response.respondent_key == key)
            .order_by(Response.wave_id)
        ).all()
        assert [[multi.options[n - 1][0] for n in json.loads(s)] for s in stored] == [
            ["用药查询"],
            ["用药查询"],
        ]
        everything = "\n".join(stored_texts(session))
        assert not [p for p in PERSONAL if p in everything]
        assert "报告解读很清楚，谢谢" in everything
        assert session.scalar(
            select(func.count()).select_from(Feedback).where(Feedback.channel == "survey_comment")
        ) == (baseline.comments + follow_up.comments)
        # 问卷星's (跳过) and (空) are no answers: no text answer says so.
        assert "(空)" not in everything and "(跳过)" not in everything


def test_an_anonymous_export_is_never_paired(site: Site) -> None:
    baseline = as_new_survey(site, "tencent_baseline.xlsx", None)
    follow_up = into_survey(site, "tencent_followup.xlsx", baseline.survey_id, None)
    assert (baseline.added, follow_up.added) == (45, 42)
    assert baseline.wave_id is not None and follow_up.wave_id is not None
    with unit_of_work(site.engine) as session:
        assert paired(session, baseline.wave_id, follow_up.wave_id) == 0
        assert wave_answers(session, [baseline.wave_id])["respondent_key"].isna().all()


# --- refused rows and refused files -------------------------------------------------------------------


def test_a_six_on_a_five_point_scale_refuses_that_row_and_stores_the_others(site: Site) -> None:
    report = as_new_survey(site, "bad_google_forms_six_on_five.csv", "Email Address")
    assert [(r.row, r.reason, r.value) for r in report.rejected] == [(6, "out_of_scale", "6")]
    assert report.rejected_rows == 1
    assert (report.added, report.total_rows, report.wave_responses) == (44, 45, 44)
    with unit_of_work(site.engine) as session:
        speed = session.scalars(
            select(Question).where(Question.dimension == "response_speed", Question.kind == "scale")
        ).one()
        assert speed.points == 5
        values = set(session.scalars(select(Answer.value_num).where(Answer.question_id == speed.id)))
        assert values <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_duplicated_ids_refuse_the_file_and_store_nothing(site: Site) -> None:
    before = counts(site.engine)
    with pytest.raises(ImportProblem) as refused:
        as_new_survey(site, "bad_wjx_duplicate_ids.csv", WJX_ID)
    assert refused.value.code == "duplicate_ids"
    assert refused.value.values == {"ids": ["U1003", "U1011"], "count": 2}
    assert counts(site.engine) == before  # no survey, no wave, no response, no comment, no audit record
    assert before["surveys"] == 0


def test_a_seven_point_file_into_a_five_point_survey_is_refused_whole(site: Site) -> None:
    baseline = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    before = counts(site.engine)
    with pytest.raises(ImportProblem) as refused:
        into_survey(site, "bad_qualtrics_seven_point.csv", baseline.survey_id, QUALTRICS_ID)
    assert refused.value.code == "scale_points_differ"
    assert refused.value.values["points"] == 5 and refused.value.values["file_points"] == 7
    assert counts(site.engine) == before
    with unit_of_work(site.engine) as session:
        assert [w.responses for w in list_waves(session, baseline.survey_id)] == [45]


def _edited_qualtrics(edit_row: int, column: str, value: str, keep_rows: int | None = None) -> SurveyFile:
    """The Qualtrics baseline as a user would re-export it: one cell changed, perhaps fewer rows."""
    text = (DATA / "qualtrics_baseline.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[edit_row - 1][rows[0].index(column)] = value  # spreadsheet row numbers: the header is row 1
    if keep_rows is not None:
        rows = rows[: 3 + keep_rows]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return read_survey(out.getvalue().encode("utf-8-sig"), "qualtrics_baseline_fixed.csv")


def test_a_respondent_who_answered_the_wave_already_is_refused(site: Site) -> None:
    baseline = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    # C-1001 (row 4) answers differently in a second export of the same wave.
    changed = _edited_qualtrics(4, "Q5", "Extremely dissatisfied")
    report = into_survey(
        site, "", baseline.survey_id, QUALTRICS_ID, WaveTarget(wave_id=baseline.wave_id), found=changed
    )
    assert [(r.row, r.reason, r.column) for r in report.rejected] == [(4, "already_answered", QUALTRICS_ID)]
    assert (report.added, report.already_imported, report.wave_responses) == (0, 44, 45)
    with unit_of_work(site.engine) as session:
        key = pseudonymise("C-1001", respondent_key_secret(session))
        overall = session.scalars(
            select(Answer.value_num)
            .join(Question)
            .join(Response, Response.id == Answer.response_id)
            .where(Question.dimension == "overall", Question.kind == "scale", Response.respondent_key == key)
        ).one()
        assert overall == 4.0  # "Somewhat satisfied", as first imported


def test_a_wave_of_few_responses_is_reported_so_the_page_can_warn(site: Site) -> None:
    few = _edited_qualtrics(4, "Q6", "", keep_rows=3)
    report = as_new_survey(site, "", QUALTRICS_ID, found=few)
    assert report.added == 3 and report.wave_responses == 3 < MIN_ANSWERS


def test_the_audit_log_records_each_import(site: Site) -> None:
    baseline = as_new_survey(site, "qualtrics_baseline.csv", QUALTRICS_ID)
    follow_up = into_survey(site, "qualtrics_followup.csv", baseline.survey_id, QUALTRICS_ID)
    into_survey(site, "qualtrics_followup.csv", baseline.survey_id, QUALTRICS_ID)  # nothing new
    with unit_of_work(site.engine) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "survey.import").order_by(AuditEvent.id)
        ).all()
        assert [(e.actor, e.object_type, e.object_id) for e in events] == [
            ("ann", "wave", str(baseline.wave_id)),
            ("ann", "wave", str(follow_up.wave_id)),
            ("ann", "survey", str(baseline.survey_id)),
        ]
        assert events[0].detail == {
            "survey_id": baseline.survey_id,
            "layout": "qualtrics",
            "file_rows": 45,
            "added": 45,
            "already_imported": 0,
            "rejected_rows": 0,
        }
        assert events[2].detail == {"file_rows": 42, "added": 0, "already_imported": 42}

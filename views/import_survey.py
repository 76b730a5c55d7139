"""Import survey responses from another tool: upload, recognise, map onto a survey, preview, store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from analytics import survey_files
from analytics.importing import ImportProblem, Rejected, report_csv, report_frame
from analytics.questions import YES_NO, QuestionSpec, answer_codes, dimension_label
from analytics.survey_answers import MIN_ANSWERS
from db.models import WAVE_KINDS
from db.surveys import SurveyError, list_surveys, list_waves, survey_questions
from db.workspace import list_rounds
from services.survey_import import ImportReport, WaveTarget, import_responses
from ui import nav
from ui.file_upload import file_uploader
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction

ctx = open_page(
    nav.IMPORT_SURVEY, title_key="survey_import.title", no_workspace_key="survey_import.no_product"
)
user, lang, selection = ctx.user, ctx.lang, ctx.selection
st.caption(t("survey_import.intro", product=plain(selection.product_name)))
NONE = ""  # the "no column" choice


def problem_text(problem: ImportProblem) -> str:
    """A refused file's message; lists (the repeated ids, the unknown columns) written as a reader writes them."""
    values = {
        k: t("demo.list_sep").join(map(str, v)) if isinstance(v, list | tuple) else v
        for k, v in problem.values.items()
    }
    return t(f"survey_import.problem.{problem.code}", **values)


def read_upload(uploaded: object) -> survey_files.SurveyFile:
    """The uploaded export, read once per upload and kept for the reruns that follow."""
    token = f"{getattr(uploaded, 'file_id', '')}:{getattr(uploaded, 'name', '')}"
    cached = st.session_state.get("survey_import_file")
    if cached is None or cached[0] != token:
        try:
            data = uploaded.getvalue()  # type: ignore[attr-defined]
            read = survey_files.read_survey(data, str(getattr(uploaded, "name", "")))
        except ImportProblem as problem:
            st.session_state.pop("survey_import_file", None)
            st.error(problem_text(problem))
            st.stop()
        st.session_state["survey_import_file"] = (token, read)
        st.session_state.pop("survey_import_report", None)
    found: survey_files.SurveyFile = st.session_state["survey_import_file"][1]
    return found


def kind_text(spec: QuestionSpec) -> str:
    """A question's kind as the user reads it, with its scale or options."""
    text = t(f"survey.kind.{spec.kind}")
    if spec.kind == "scale":
        text += f" 1-{spec.points}"
    if spec.kind in ("single", "multi"):
        text += f" ({len(spec.options)})"
    return text


def render_found(found: survey_files.SurveyFile) -> None:
    """What was recognised: the tool, the respondents, the questions proposed."""
    st.success(
        t(
            "survey_import.found",
            tool=t(f"survey_import.layout.{found.layout}"),
            rows=len(found.rows),
            questions=len(found.questions),
        )
    )
    table = pd.DataFrame(
        {
            t("survey_import.col.question"): [q.spec.text_en for q in found.questions],
            t("survey_import.col.kind"): [kind_text(q.spec) for q in found.questions],
            t("survey_import.col.dimension"): [
                dimension_label(q.spec.dimension, lang) for q in found.questions
            ],
            t("survey_import.col.columns"): [", ".join(q.columns) for q in found.questions],
        }
    )
    with st.expander(t("survey_import.questions_found"), expanded=True):
        st.dataframe(table, hide_index=True, width="stretch")


def proposal_label(found: survey_files.SurveyFile, i: int | None) -> str:
    """How a file question is offered in a mapping choice."""
    if i is None:
        return t("survey_import.not_in_file")
    q = found.questions[i]
    return f"{q.spec.text_en} · {kind_text(q.spec)}"


def map_onto(
    found: survey_files.SurveyFile, questions: tuple[QuestionSpec, ...], survey_id: int
) -> dict[str, tuple[str, ...]]:
    """Each survey question's file question, matched by wording first; the user may change any."""
    match = survey_files.match_columns(found, questions)
    by_columns = {q.columns: i for i, q in enumerate(found.questions)}
    st.caption(t("survey_import.mapping_help"))
    mapping: dict[str, tuple[str, ...]] = {}
    choices: list[int | None] = [None, *range(len(found.questions))]
    for spec in questions:
        matched = match.mapping.get(spec.code)
        default = by_columns.get(tuple(matched)) if matched else None
        picked = st.selectbox(
            f"{spec.text(lang)} · {kind_text(spec)}",
            choices,
            index=choices.index(default),
            format_func=lambda i: proposal_label(found, i),
            key=f"survey_import_map_{survey_id}_{spec.code}",
        )
        if picked is not None:
            mapping[spec.code] = found.questions[picked].columns
    return mapping


def answer_text(spec: QuestionSpec, value: object) -> str:
    """An answer as the preview shows it.

    A number without ".0", yes/partly/no in words, a multiple choice's option ✓ (chosen) or – (not), and
    nothing for a skipped question.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if spec.kind == "yes_no":
        return next((zh if lang == "zh" else en for v, zh, en in YES_NO if v == number), f"{number:g}")
    if spec.kind == "multi":
        return "✓" if number else "–"
    return f"{number:g}"


def preview_table(answers: pd.DataFrame, questions: tuple[QuestionSpec, ...]) -> pd.DataFrame:
    """The first respondents' answers as they would be stored.

    A line per question (each option of a multiple choice its own) named by its wording, a column per
    spreadsheet row.
    """
    rows = sorted(set(answers["row"]))[:8]
    sample = answers[answers["row"].isin(rows)]
    values = {(r, q): v for r, q, v in zip(sample["row"], sample["question"], sample["value"], strict=True)}
    present = set(answers["question"])
    lines = []
    for spec in questions:
        options = (
            [f"{spec.text(lang)} — {o.text(lang)}" for o in spec.options] if spec.kind == "multi" else []
        )
        for i, code in enumerate(answer_codes(spec) or (spec.code,)):
            if code in present:
                lines.append(
                    {
                        t("survey_import.col.question"): options[i] if options else spec.text(lang),
                        **{
                            t("survey_import.preview_row", n=r): answer_text(spec, values.get((r, code)))
                            for r in rows
                        },
                    }
                )
    return pd.DataFrame(lines)


def rejected_frame(rejected: list[Rejected]) -> pd.DataFrame:
    """The refused rows with their reasons, the column names in the user's language."""
    names = {c: t(f"import.report.{c}") for c in ("row", "column", "reason", "value")}
    return report_frame(rejected, reason_text).rename(columns=names)


def render_rejected(rejected: list[Rejected]) -> None:
    """The refused rows with their reasons, and the same as a CSV to fix the file with."""
    frame = rejected_frame(rejected)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        t("survey_import.download_rejected"),
        report_csv(frame),
        file_name="rejected_rows.csv",
        mime="text/csv",
        key="survey_import_rejected_csv",
        icon=":material/download:",
    )


def reason_text(problem: Rejected) -> str:
    """A refused row's reason in the user's language."""
    return t(f"survey_import.reason.{problem.reason}", value=problem.value, **dict(problem.values))


def render_report(report: ImportReport) -> None:
    """What the import stored, skipped and refused."""
    if report.wave_id is None and not report.already_imported:
        st.error(t("survey_import.nothing_readable", n=report.rejected_rows))
    elif report.wave_id is None:
        st.info(t("survey_import.nothing_new", n=report.already_imported))
    else:
        st.success(t("survey_import.done", added=report.added, wave=report.wave_responses))
        if report.already_imported:
            st.caption(t("survey_import.skipped", n=report.already_imported))
        if report.comments:
            st.caption(t("survey_import.comments", n=report.comments))
        if report.wave_responses < MIN_ANSWERS:
            st.warning(t("survey_import.too_few", n=report.wave_responses, min=MIN_ANSWERS))
    if report.rejected:
        st.warning(t("survey_import.rejected", n=report.rejected_rows))
        render_rejected(report.rejected)


uploaded = file_uploader(t("survey_import.upload"), ["csv", "xlsx", "txt"], "survey_import_upload")
if uploaded is None:
    st.session_state.pop("survey_import_file", None)
    st.stop()
found = read_upload(uploaded)
render_found(found)

with transaction() as session:
    surveys = {s.id: s.name for s in list_surveys(session, selection.product_id)}
    rounds = {r.id: r.name for r in list_rounds(session, selection.product_id)}
if not rounds:
    st.info(t("survey_import.no_round"))
    st.stop()

st.subheader(t("survey_import.into"), anchor=False)
if (made := st.session_state.pop("survey_import_select", None)) in surveys:
    st.session_state["survey_import_mode"], st.session_state["survey_import_survey"] = "existing", made
modes = ["existing", "new"] if surveys else ["new"]
mode = st.radio(
    t("survey_import.into"),
    modes,
    format_func=lambda m: t(f"survey_import.mode.{m}"),
    horizontal=True,
    label_visibility="collapsed",
    key="survey_import_mode",
)
survey_id: int | None = None
new_survey: tuple[str, list[QuestionSpec]] | None = None
if mode == "existing":
    survey_id = st.selectbox(
        t("survey_import.survey"), list(surveys), format_func=surveys.__getitem__, key="survey_import_survey"
    )
    with transaction() as session:
        questions = survey_questions(session, survey_id)
    mapping = map_onto(found, questions, survey_id)
else:
    name = st.text_input(
        t("survey_import.new_name"), value=Path(str(uploaded.name)).stem[:120], key="survey_import_new_name"
    )
    keep = {
        i: st.checkbox(
            proposal_label(found, i), value=True, key=f"survey_import_keep_{i}_{found.questions[i].columns}"
        )
        for i in range(len(found.questions))
    }
    specs = [found.questions[i].spec for i, kept in keep.items() if kept]
    mapping = {found.questions[i].spec.code: found.questions[i].columns for i, kept in keep.items() if kept}
    new_survey = (name, specs)
    questions = tuple(specs)

id_choices = [
    NONE,
    *found.id_candidates,
    *(c for c in found.metadata_columns if c not in found.id_candidates),
]
id_column = st.selectbox(
    t("survey_import.id_column"),
    id_choices,
    index=1 if found.id_candidates else 0,
    format_func=lambda c: c or t("survey_import.no_id"),
    help=t("survey_import.id_help"),
    key="survey_import_id",
)

st.subheader(t("survey_import.wave"), anchor=False)
waves = {}
if survey_id is not None:
    with transaction() as session:
        waves = {w.id: w.name for w in list_waves(session, survey_id)}
wave_modes = ["new", "existing"] if waves else ["new"]
wave_mode = st.radio(
    t("survey_import.wave"),
    wave_modes,
    format_func=lambda m: t(f"survey_import.wave_mode.{m}"),
    horizontal=True,
    label_visibility="collapsed",
    key="survey_import_wave_mode",
)
if wave_mode == "existing":
    target = WaveTarget(
        wave_id=st.selectbox(
            t("survey_import.wave"), list(waves), format_func=waves.__getitem__, key="survey_import_wave_id"
        )
    )
else:
    left, middle = st.columns(2)
    ids = list(rounds)
    round_id = left.selectbox(
        t("surveys.round"),
        ids,
        index=ids.index(selection.round_id) if selection.round_id in ids else 0,
        format_func=rounds.__getitem__,
        key="survey_import_round",
    )
    kind = middle.selectbox(
        t("surveys.kind"), WAVE_KINDS, format_func=lambda k: t(f"wave.{k}"), key="survey_import_kind"
    )
    left, middle = st.columns(2)
    wave_name = left.text_input(t("surveys.wave_name"), key="survey_import_wave_name")
    collected = middle.date_input(
        t("survey_import.collected_on"), value=datetime.now(UTC).date(), key="survey_import_collected"
    )
    target = WaveTarget(
        round_id=round_id,
        kind=str(kind),
        name=wave_name.strip() or f"{t(f'wave.{kind}')} · {Path(str(uploaded.name)).stem}"[:120],
        collected_on=collected if isinstance(collected, date) else None,
    )

# The preview: what would be stored and what refused, before anything is.
st.subheader(t("survey_import.preview"), anchor=False)
if not mapping:
    st.info(t("survey_import.no_mapping"))
    st.stop()
try:
    preview = survey_files.responses_from(found, questions, mapping, id_column or None)
except ImportProblem as problem:
    st.error(problem_text(problem))
    st.stop()
ready = preview.total_rows - preview.rejected_rows
st.caption(
    t("survey_import.preview_counts", ready=ready, rejected=preview.rejected_rows, total=preview.total_rows)
)
if not preview.answers.empty:
    shown = preview_table(preview.answers, questions)
    # Every question in sight (the table's own height hides the last ones behind a scroll bar).
    st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(shown) + 1) + 3)
if preview.rejected:
    with st.expander(t("survey_import.rejected", n=preview.rejected_rows)):
        st.dataframe(rejected_frame(preview.rejected), hide_index=True, width="stretch")

if st.button(t("survey_import.submit"), type="primary", key="survey_import_submit", disabled=ready == 0):
    try:
        with transaction() as session:
            report = import_responses(
                session,
                product_id=selection.product_id,
                survey_file=found,
                mapping=mapping,
                id_column=id_column or None,
                target=target,
                actor=user.username,
                survey_id=survey_id,
                new_survey=new_survey,
            )
    except SurveyError as err:
        st.error(t(f"surveys.error.{err.code}", detail=err.detail))
        st.caption(t("collect.nothing_stored"))
    except ImportProblem as problem:
        st.error(problem_text(problem))
        st.caption(t("collect.nothing_stored"))
    else:
        st.session_state["survey_import_report"] = report
        st.session_state["survey_import_select"] = report.survey_id  # shown as the target from now on
        st.rerun()
if (done := st.session_state.get("survey_import_report")) is not None:
    render_report(done)

"""The survey builder: new surveys, questions and their editor, preview, test families, reuse.

It draws on the surveys page: a new survey (standard, empty or from the bank), the question list with
moves, removal and the editor, adding questions, the respondent's preview, families and the copy for
the follow-up.

Every change is a button callback that runs one transaction (the change and its audit record) and
leaves a message for the next run, so what is drawn after it is current. A refused change
(:class:`db.surveys.SurveyError`) shows its translated message and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from analytics.questions import (
    BANK,
    DIMENSIONS,
    KINDS,
    MEASURED_KINDS,
    SCALE_POINTS,
    SCALE_WORDS,
    STANDARD,
    WORDINGS,
    Kind,
    Option,
    QuestionSpec,
    bank_question,
    dimension_label,
    renamed,
)
from db.surveys import (
    StoredQuestion,
    SurveyError,
    add_question,
    create_survey,
    free_code,
    move_question,
    new_version,
    remove_question,
    restore_question,
    reuse_survey,
    set_families,
    stored_questions,
    survey_families,
    update_question,
)
from db.users import audit
from ui.auth import SignedIn
from ui.i18n import LANGUAGES, current_language, t, t_in
from ui.plain_text import plain
from ui.questions import render_question
from ui.resources import transaction
from ui.respondent import FORM_WIDTH

SURVEY_KEY = "surveys_survey_id"  # the survey picked on the page
_FLASH = "surveys_flash"  # messages a callback leaves for the next run: (where, kind, text)
DIRECTED_KINDS = ("scale", "nps", "yes_no", "number")  # kinds whose answers have a better direction


@dataclass(frozen=True)
class SurveyRef:
    """The survey the builder works on.

    Attributes:
        id: The survey's id.
        name: Its name.
        product_name: The name of its product (the preview's title).
    """

    id: int
    name: str
    product_name: str


# --- changes: one transaction each, audited, their outcome left as a message -------------------------


def _flash(where: str, kind: str, text: str) -> None:
    st.session_state.setdefault(_FLASH, []).append((where, kind, text))


def error_text(err: SurveyError) -> str:
    """A refused change in the user's language (the fields a frozen question may not change named)."""
    detail = err.detail
    if err.code == "question_frozen":
        separator = "、" if current_language() == "zh" else ", "
        detail = separator.join(t(f"surveys.field.{f}") for f in err.detail.split(", ") if f)
    return t(f"surveys.error.{err.code}", detail=detail)


def _change(do: Callable[[Session], str], where: str, done_where: str | list[str] | None = None) -> bool:
    """Run `do` in one transaction; its message, or the refusal's, is shown on the next run.

    Args:
        do: The change and its audit record; returns the message that says it is done.
        where: The place on the page the message is shown (:func:`show_messages`): where the user
            acted, so a refusal is read beside what to correct.
        done_where: Where the success is shown instead, when the place of the action is gone; a
            list when `do` decides it (its last item, read once `do` has run).

    Returns:
        Whether the change was stored.
    """
    try:
        with transaction() as session:
            message = do(session)
    except SurveyError as err:
        _flash(where, "error", error_text(err))
        return False
    if isinstance(done_where, list):
        done_where = done_where[-1] if done_where else None
    _flash(done_where or where, "success", message)
    return True


def show_messages(where: str) -> None:
    """The messages the last changes left at this place (success or refusal), once."""
    kept = []
    for place, kind, text in st.session_state.pop(_FLASH, []):
        if place == where:
            (st.error if kind == "error" else st.success)(text)
        else:
            kept.append((place, kind, text))
    if kept:
        st.session_state[_FLASH] = kept


# --- labels -----------------------------------------------------------------------------------------


def kind_label(spec: QuestionSpec) -> str:
    """A question's kind in words: "7-point scale", "Multiple choice"..."""
    return t(f"surveys.qkind.{spec.kind}", points=spec.points or 5)


def _words(prefix: str, values: Sequence[str]) -> Callable[[str], str]:
    """A widget's format_func: the words of each value, looked up now (not when a test reads them)."""
    return {v: t(f"{prefix}.{v}") for v in values}.__getitem__


def _bank_label(group: str, spec: QuestionSpec) -> str:
    return f"{t(f'surveys.bank_group.{group}')} · {spec.text_zh} / {spec.text_en} ({kind_label(spec)})"


def _bank_groups() -> dict[str, str]:
    return {spec.code: group for group, specs in BANK for spec in specs}


def _facts(q: StoredQuestion) -> str:
    spec = q.spec
    if spec.kind in DIRECTED_KINDS:
        direction = t("surveys.higher_better" if spec.higher_is_better else "surveys.lower_better")
    else:
        direction = t("surveys.direction_none")
    kind = kind_label(spec)
    if spec.kind == "scale":
        wording = spec.wording or "satisfaction"
        kind += " · " + t(f"surveys.wording.{wording}")
    return t(
        "surveys.question_facts",
        kind=kind,
        dimension=dimension_label(spec.dimension, current_language()) or t("surveys.no_dimension"),
        direction=direction,
        required=t("surveys.is_required" if spec.required else "surveys.is_optional"),
        answers=q.answers,
        version=q.version,
    )


# --- a new survey -----------------------------------------------------------------------------------


def render_new_survey(user: SignedIn, product_id: int, expanded: bool) -> None:
    """Create a survey from the standard questionnaire, empty, or from questions picked in the bank.

    Args:
        user: The signed-in user, who may build surveys.
        product_id: The product the survey is for.
        expanded: Open the section (the product has no survey yet).
    """
    with st.expander(t("surveys.new"), expanded=expanded):
        show_messages("new")
        st.text_input(t("surveys.name"), value=t("surveys.name_default"), key="surveys_new_name")
        start = st.radio(
            t("surveys.new_from"),
            ["standard", "empty", "bank"],
            format_func=_words("surveys.new_from", ["standard", "empty", "bank"]),
            horizontal=True,
            key="surveys_new_from",
        )
        if start == "standard":
            st.caption(t("surveys.template_explain"))
        elif start == "empty":
            st.caption(t("surveys.empty_explain"))
        else:
            st.caption(t("surveys.bank_explain"))
            for group, specs in BANK:
                st.markdown(f"**{t(f'surveys.bank_group.{group}')}**")
                for spec in specs:
                    st.checkbox(
                        f"{spec.text_zh} / {spec.text_en}",
                        key=f"surveys_new_bank_{spec.code}",
                        help=kind_label(spec),
                    )
        st.button(
            t("surveys.create"),
            type="primary",
            key="surveys_new_create",
            on_click=_create_survey,
            args=(user, product_id),
        )


def _create_survey(user: SignedIn, product_id: int) -> None:
    start = st.session_state.get("surveys_new_from", "standard")
    name = str(st.session_state.get("surveys_new_name", ""))
    questions: Sequence[QuestionSpec] = STANDARD
    if start == "empty":
        questions = ()
    elif start == "bank":
        questions = [
            spec
            for _, specs in BANK
            for spec in specs
            if st.session_state.get(f"surveys_new_bank_{spec.code}")
        ]
        if not questions:
            _flash("new", "error", t("surveys.bank_none"))
            return

    made: list[int] = []

    def do(session: Session) -> str:
        survey = create_survey(session, product_id, name, questions)
        audit(
            session,
            user.username,
            "survey.create",
            "survey",
            survey.id,
            {"name": survey.name, "from": start, "questions": [q.code for q in questions]},
        )
        made.append(survey.id)
        return t("surveys.created", name=survey.name)

    if _change(do, "new", "survey"):
        st.session_state[SURVEY_KEY] = made[0]


# --- the builder ------------------------------------------------------------------------------------


def render_builder(user: SignedIn, survey: SurveyRef, can_build: bool) -> None:
    """The survey's questions with their editor, adding, preview, test families and reuse.

    Args:
        user: The signed-in user.
        survey: The survey picked on the page.
        can_build: Whether the user may change it (ui/roles.py); else everything is read-only.
    """
    messages = st.container()  # always drawn, so the tabs below keep their place (and their tab)
    with messages:
        show_messages("survey")
    with transaction() as session:
        questions = stored_questions(session, survey.id)
    if can_build:
        parts = st.tabs(
            [
                t("surveys.tab_questions"),
                t("surveys.tab_add"),
                t("surveys.tab_preview"),
                t("surveys.tab_families"),
                t("surveys.tab_reuse"),
            ]
        )
        with parts[0]:
            render_question_list(user, questions, can_build)
        with parts[1]:
            render_add_question(user, survey.id, questions)
        with parts[2]:
            render_preview(survey, questions)
        with parts[3]:
            render_families(user, survey.id, questions, can_build)
        with parts[4]:
            render_reuse(user, survey)
    else:
        st.caption(t("surveys.read_only"))
        parts = st.tabs([t("surveys.tab_questions"), t("surveys.tab_preview"), t("surveys.tab_families")])
        with parts[0]:
            render_question_list(user, questions, can_build)
        with parts[1]:
            render_preview(survey, questions)
        with parts[2]:
            render_families(user, survey.id, questions, can_build)


def question_table(questions: Sequence[StoredQuestion]) -> pd.DataFrame:
    """The survey's questions in order: kind, dimension, required, answers so far, version, shown."""
    lang = current_language()
    columns = ["position", "code", "kind", "question", "dimension", "required", "answers", "version", "shown"]
    rows = [
        (
            i + 1,
            q.spec.code,
            kind_label(q.spec),
            q.spec.text(lang),
            dimension_label(q.spec.dimension, lang),
            q.spec.required,
            q.answers,
            q.version,
            t("surveys.hidden" if q.hidden else "surveys.shown"),
        )
        for i, q in enumerate(questions)
    ]
    return pd.DataFrame(rows, columns=[t(f"surveys.col_{c}") for c in columns])


def render_question_list(user: SignedIn, questions: Sequence[StoredQuestion], can_build: bool) -> None:
    """The question list; for a builder, each question's moves, removal or restoring, and editor."""
    show_messages("list")
    if not questions:
        st.info(t("surveys.no_questions"))
        return
    st.dataframe(question_table(questions), hide_index=True)
    if any(q.hidden for q in questions):
        st.caption(t("surveys.hidden_explain"))
    if not can_build:
        return
    dimensions = _dimension_choices(questions)
    for q in questions:
        label = f"{plain(q.spec.code)} · {plain(q.spec.text(current_language()))}"
        if q.hidden:
            label += f" ({t('surveys.hidden')})"
        # Keyed and kept in the session: a question's section stays open when it moves.
        with st.expander(label, key=f"sb_x{q.id}", on_change="rerun"):
            show_messages(f"q{q.id}")
            st.caption(_facts(q))
            render_question_actions(user, q)
            if not q.hidden:
                render_editor(user, q, dimensions)


def render_question_actions(user: SignedIn, q: StoredQuestion) -> None:
    """Move up, move down and remove a shown question; restore a hidden one."""
    if q.hidden:
        st.button(t("surveys.restore"), key=f"sb_restore_{q.id}", on_click=_restore, args=(user, q))
        return
    row = st.container(horizontal=True)
    row.button(t("surveys.move_up"), key=f"sb_up_{q.id}", on_click=_move, args=(user, q, -1))
    row.button(t("surveys.move_down"), key=f"sb_down_{q.id}", on_click=_move, args=(user, q, 1))
    row.button(t("surveys.remove"), key=f"sb_remove_{q.id}", on_click=_remove, args=(user, q))


def _move(user: SignedIn, q: StoredQuestion, step: int) -> None:
    def do(session: Session) -> str:
        move_question(session, q.id, step)
        audit(session, user.username, "question.move", "question", q.id, {"code": q.spec.code, "step": step})
        return t("surveys.moved", code=q.spec.code)

    _change(do, f"q{q.id}")


def _remove(user: SignedIn, q: StoredQuestion) -> None:
    where = [f"q{q.id}"]

    def do(session: Session) -> str:
        outcome = remove_question(session, q.id)
        if outcome == "deleted":
            where.append("list")  # its section is gone
        audit(
            session,
            user.username,
            "question.remove",
            "question",
            q.id,
            {"code": q.spec.code, "outcome": outcome, "answers": q.answers},
        )
        if outcome == "hidden":
            key = "surveys.removed_hidden.one" if q.answers == 1 else "surveys.removed_hidden"
            return t(key, code=q.spec.code, n=q.answers)
        return t("surveys.removed", code=q.spec.code)

    _change(do, f"q{q.id}", where)


def _restore(user: SignedIn, q: StoredQuestion) -> None:
    def do(session: Session) -> str:
        restore_question(session, q.id)
        audit(session, user.username, "question.restore", "question", q.id, {"code": q.spec.code})
        return t("surveys.restored", code=q.spec.code)

    _change(do, f"q{q.id}")


# --- the fields of a question ----------------------------------------------------------------------


def _dimension_choices(questions: Sequence[StoredQuestion]) -> list[str]:
    """The seed dimensions, then the team's own ones already used in the survey."""
    own = [q.spec.dimension for q in questions if q.spec.dimension and q.spec.dimension not in DIMENSIONS]
    return [*DIMENSIONS, *dict.fromkeys(d for d in own if d)]


def render_fields(prefix: str, spec: QuestionSpec, dimensions: Sequence[str]) -> None:
    """The fields of a question of `spec`'s kind, filled in from `spec`; keys start with `prefix`.

    Args:
        prefix: Start of every widget key (unique per question and form).
        spec: The question as it is (a new one: its kind with blank wording).
        dimensions: The dimensions offered in the list (the team may type another).
    """
    lang = current_language()
    zh, en = st.columns(2)
    zh.text_area(t("surveys.text_zh"), value=spec.text_zh, key=f"{prefix}text_zh", height=80)
    en.text_area(t("surveys.text_en"), value=spec.text_en, key=f"{prefix}text_en", height=80)
    st.checkbox(t("surveys.required"), value=spec.required, key=f"{prefix}required")
    if spec.kind == "scale":
        points, wording = st.columns(2)
        points.radio(
            t("surveys.points"),
            list(SCALE_POINTS),
            index=SCALE_POINTS.index(spec.points or 5),
            horizontal=True,
            key=f"{prefix}points",
        )
        wording.selectbox(
            t("surveys.wording"),
            list(WORDINGS),
            index=WORDINGS.index(spec.wording or "satisfaction"),
            format_func=_words("surveys.wording", WORDINGS),
            key=f"{prefix}wording",
        )
        st.caption(t("surveys.end_labels"))
        words = SCALE_WORDS[(spec.points or 5, spec.wording or "satisfaction")]
        labels = (tuple(spec.end_labels) + (("", ""),) * 3)[:3]
        defaults = (words[0], words[len(words) // 2], words[-1])
        for column, end, (own_zh, own_en), (word_zh, word_en) in zip(
            st.columns(3), ("low", "mid", "high"), labels, defaults, strict=True
        ):
            name = t(f"surveys.label_{end}")
            column.text_input(
                t("surveys.label_zh", end=name), value=own_zh, placeholder=word_zh, key=f"{prefix}{end}_zh"
            )
            column.text_input(
                t("surveys.label_en", end=name), value=own_en, placeholder=word_en, key=f"{prefix}{end}_en"
            )
    if spec.kind in MEASURED_KINDS:
        choices = ["", *dimensions]
        if spec.dimension and spec.dimension not in choices:
            choices.append(spec.dimension)
        listed, own = st.columns(2)
        listed.selectbox(
            t("surveys.dimension"),
            choices,
            index=choices.index(spec.dimension or ""),
            format_func={
                d: dimension_label(d, lang) or t("surveys.dimension_choose") for d in choices
            }.__getitem__,
            help=t("surveys.dimension_help"),
            key=f"{prefix}dimension",
        )
        own.text_input(t("surveys.dimension_own"), key=f"{prefix}dimension_own", max_chars=60)
    if spec.kind in DIRECTED_KINDS:
        st.checkbox(
            t("surveys.higher_is_better"),
            value=spec.higher_is_better,
            help=t("surveys.higher_is_better_help"),
            key=f"{prefix}higher_is_better",
        )
    if spec.kind in ("single", "multi"):
        zh, en = st.columns(2)
        zh.text_area(
            t("surveys.options_zh"), value="\n".join(o.zh for o in spec.options), key=f"{prefix}options_zh"
        )
        en.text_area(
            t("surveys.options_en"), value="\n".join(o.en for o in spec.options), key=f"{prefix}options_en"
        )


def spec_from_fields(prefix: str, kind: Kind, code: str) -> QuestionSpec:
    """The question the fields drawn by :func:`render_fields` describe (not yet checked)."""
    state = st.session_state

    def text(name: str) -> str:
        return str(state.get(f"{prefix}{name}") or "").strip()

    spec = QuestionSpec(
        code, kind, text("text_zh"), text("text_en"), required=bool(state.get(f"{prefix}required"))
    )
    if kind == "scale":
        labels = tuple((text(f"{end}_zh"), text(f"{end}_en")) for end in ("low", "mid", "high"))
        spec = replace(
            spec,
            points=int(state.get(f"{prefix}points") or 5),
            wording=state.get(f"{prefix}wording") or "satisfaction",
            end_labels=labels if any(zh or en for zh, en in labels) else (),
        )
    if kind in MEASURED_KINDS:
        spec = replace(spec, dimension=text("dimension_own") or text("dimension") or None)
    if kind in DIRECTED_KINDS:
        spec = replace(spec, higher_is_better=bool(state.get(f"{prefix}higher_is_better")))
    if kind in ("single", "multi"):
        lines_zh = [line.strip() for line in text("options_zh").splitlines() if line.strip()]
        lines_en = [line.strip() for line in text("options_en").splitlines() if line.strip()]
        pairs = zip_longest(lines_zh, lines_en, fillvalue="")
        spec = replace(spec, options=tuple(Option(zh, en) for zh, en in pairs))
    return spec


# --- editing a question -----------------------------------------------------------------------------


def render_editor(user: SignedIn, q: StoredQuestion, dimensions: Sequence[str]) -> None:
    """The form to change a question; once answered, it says its meaning is frozen and offers a version."""
    prefix = f"sb_q{q.id}_"
    with st.form(f"sb_edit_{q.id}", border=False):
        st.markdown(f"**{t('surveys.edit')}**")
        if q.answers:
            st.warning(t("surveys.frozen", n=q.answers))
        render_fields(prefix, q.spec, dimensions)
        if q.answers:
            version, save = st.columns(2)
            version.form_submit_button(
                t("surveys.save_version"), type="primary", on_click=_save_version, args=(user, q, prefix)
            )
            save.form_submit_button(t("surveys.save"), on_click=_save, args=(user, q, prefix))
        else:
            st.form_submit_button(t("surveys.save"), type="primary", on_click=_save, args=(user, q, prefix))


def _save(user: SignedIn, q: StoredQuestion, prefix: str) -> None:
    spec = spec_from_fields(prefix, q.spec.kind, q.spec.code)

    def do(session: Session) -> str:
        update_question(session, q.id, spec)
        audit(session, user.username, "question.update", "question", q.id, {"code": q.spec.code})
        return t("surveys.saved", code=q.spec.code)

    _change(do, f"q{q.id}")


def _save_version(user: SignedIn, q: StoredQuestion, prefix: str) -> None:
    spec = spec_from_fields(prefix, q.spec.kind, q.spec.code)

    def do(session: Session) -> str:
        question = new_version(session, q.id, spec)
        audit(
            session,
            user.username,
            "question.new_version",
            "question",
            question.id,
            {"code": question.code, "replaces": q.spec.code, "version": question.version},
        )
        return t("surveys.versioned", code=question.code, old=q.spec.code)

    _change(do, f"q{q.id}")


# --- adding a question ------------------------------------------------------------------------------


def render_add_question(user: SignedIn, survey_id: int, questions: Sequence[StoredQuestion]) -> None:
    """Add a question at the end: one from the bank, or a new one of any kind."""
    show_messages("add")
    source = st.radio(
        t("surveys.add_from"),
        ["bank", "new"],
        format_func=_words("surveys.add_from", ["bank", "new"]),
        horizontal=True,
        key="sb_add_from",
    )
    if source == "bank":
        groups = _bank_groups()
        st.selectbox(
            t("surveys.bank_question"),
            list(groups),
            format_func={c: _bank_label(g, bank_question(c)) for c, g in groups.items()}.__getitem__,
            key="sb_add_bank",
        )
        st.button(
            t("surveys.add"),
            type="primary",
            key="sb_add_bank_button",
            on_click=_add_from_bank,
            args=(user, survey_id),
        )
        return
    kind = (
        st.selectbox(
            t("surveys.add_kind"),
            list(KINDS),
            format_func={k: t(f"surveys.qkind.{k}", points="5/7") for k in KINDS}.__getitem__,
            key="sb_add_kind",
        )
        or KINDS[0]
    )
    prefix = f"sb_add_{kind}_"
    blank = QuestionSpec("q", kind, "", "", points=5 if kind == "scale" else None)
    if kind == "nps":
        blank = replace(blank, dimension="nps")
    with st.form(f"sb_add_form_{kind}", border=False):
        render_fields(prefix, blank, _dimension_choices(questions))
        st.form_submit_button(
            t("surveys.add"), type="primary", on_click=_add_new, args=(user, survey_id, kind, prefix)
        )


def _add(user: SignedIn, survey_id: int, spec: QuestionSpec, wanted: str, origin: str) -> bool:
    def do(session: Session) -> str:
        question = add_question(session, survey_id, renamed(spec, free_code(session, survey_id, wanted)))
        audit(
            session,
            user.username,
            "question.add",
            "question",
            question.id,
            {"survey": survey_id, "code": question.code, "kind": question.kind, "from": origin},
        )
        return t("surveys.added", code=question.code)

    return _change(do, "add")


def _add_from_bank(user: SignedIn, survey_id: int) -> None:
    code = str(st.session_state.get("sb_add_bank") or "")
    spec = bank_question(code)
    _add(user, survey_id, spec, spec.code, "bank")


def _add_new(user: SignedIn, survey_id: int, kind: Kind, prefix: str) -> None:
    spec = spec_from_fields(prefix, kind, "q")
    if _add(user, survey_id, spec, spec.dimension or "q", "new"):
        for key in [k for k in st.session_state if str(k).startswith(prefix)]:
            del st.session_state[key]  # a blank form for the next question


# --- preview ----------------------------------------------------------------------------------------


def render_preview(survey: SurveyRef, questions: Sequence[StoredQuestion]) -> None:
    """The questionnaire as a respondent sees it, read-only, in Chinese or English."""
    key = "sb_preview_lang"
    if st.session_state.get(key) not in LANGUAGES:
        st.session_state[key] = current_language()  # a click on the chosen option clears it
    lang = st.segmented_control(
        t("surveys.preview_lang"), list(LANGUAGES), format_func=LANGUAGES.__getitem__, key=key
    )
    lang = str(lang or current_language())
    st.caption(t("surveys.preview_explain"))
    with st.container(border=True, width=FORM_WIDTH):
        st.subheader(t_in(lang, "questionnaire.title", product=plain(survey.product_name)), anchor=False)
        st.caption(t_in(lang, "questionnaire.intro"))
        for q in questions:
            if not q.hidden:
                render_question(q.spec, lang, f"sb_preview_{survey.id}_{lang}_", disabled=True)
        st.button(
            t_in(lang, "questionnaire.submit"),
            type="primary",
            disabled=True,
            width="stretch",
            key=f"sb_preview_submit_{survey.id}_{lang}",
        )


# --- test families ----------------------------------------------------------------------------------


def family_table(questions: Sequence[StoredQuestion], families: dict[str, str]) -> pd.DataFrame:
    """One row per question: its code, wording, default family and the family it is tested in."""
    lang = current_language()
    return pd.DataFrame(
        [
            (q.spec.code, q.spec.text(lang), q.spec.family(), families.get(q.spec.code, q.spec.family()))
            for q in questions
        ],
        columns=["code", "question", "default", "family"],
    )


def families_to_store(questions: Sequence[StoredQuestion], edited: pd.DataFrame) -> dict[str, str]:
    """The team's choices in the edited table: the questions whose family is not their default."""
    defaults = {q.spec.code: q.spec.family() for q in questions}
    chosen: dict[str, str] = {}
    for code, family in zip(edited["code"], edited["family"], strict=True):
        name = "" if family is None or pd.isna(family) else str(family).strip()
        if code in defaults and name and name != defaults[code]:
            chosen[str(code)] = name
    return chosen


def render_families(
    user: SignedIn, survey_id: int, questions: Sequence[StoredQuestion], can_build: bool
) -> None:
    """The questions' test families (default: scale questions by dimension), editable by a builder."""
    st.caption(t("surveys.families_explain"))
    show_messages("families")
    if not questions:
        st.info(t("surveys.no_questions"))
        return
    with transaction() as session:
        families = survey_families(session, [survey_id])
    table = family_table(questions, families)
    config = {
        "code": st.column_config.TextColumn(t("surveys.col_code"), disabled=True),
        "question": st.column_config.TextColumn(t("surveys.col_question"), disabled=True),
        "default": st.column_config.TextColumn(t("surveys.col_default_family"), disabled=True),
        "family": st.column_config.TextColumn(t("surveys.col_family"), max_chars=60),
    }
    if not can_build:
        st.dataframe(table, hide_index=True, column_config=config)
        return
    with st.form(f"sb_families_{survey_id}", border=False):
        edited = st.data_editor(
            table,
            hide_index=True,
            column_config=config,
            num_rows="fixed",
            key=f"sb_families_editor_{survey_id}",
        )
        save = st.form_submit_button(t("surveys.families_save"), type="primary")
    if save:
        chosen = families_to_store(questions, edited)

        def do(session: Session) -> str:
            set_families(session, survey_id, chosen or None)
            audit(session, user.username, "survey.families", "survey", survey_id, {"families": chosen})
            return t("surveys.families_saved", n=len(chosen))

        _change(do, "families")
        st.rerun()
    if families:
        st.button(
            t("surveys.families_reset"),
            key=f"sb_families_reset_{survey_id}",
            on_click=_reset_families,
            args=(user, survey_id),
        )


def _reset_families(user: SignedIn, survey_id: int) -> None:
    def do(session: Session) -> str:
        set_families(session, survey_id, None)
        audit(session, user.username, "survey.families", "survey", survey_id, {"families": None})
        return t("surveys.families_were_reset")

    if _change(do, "families"):
        st.session_state.pop(f"sb_families_editor_{survey_id}", None)


# --- reuse for the follow-up ------------------------------------------------------------------------


def render_reuse(user: SignedIn, survey: SurveyRef) -> None:
    """Copy the survey for the follow-up wave: same question codes, so the waves compare."""
    st.caption(t("surveys.reuse_explain"))
    show_messages("reuse")
    st.text_input(
        t("surveys.reuse_name"),
        value=t("surveys.reuse_name_default", name=survey.name),
        key=f"sb_reuse_name_{survey.id}",
    )
    st.button(t("surveys.reuse"), type="primary", key="sb_reuse", on_click=_reuse, args=(user, survey))


def _reuse(user: SignedIn, survey: SurveyRef) -> None:
    name = str(st.session_state.get(f"sb_reuse_name_{survey.id}", ""))

    made: list[int] = []

    def do(session: Session) -> str:
        copy = reuse_survey(session, survey.id, name)
        audit(
            session, user.username, "survey.reuse", "survey", copy.id, {"name": copy.name, "from": survey.id}
        )
        made.append(copy.id)
        return t("surveys.reused", name=copy.name, source=survey.name)

    if _change(do, "reuse", "survey"):
        st.session_state[SURVEY_KEY] = made[0]  # the copy is picked on the page

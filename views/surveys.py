"""Surveys: build questionnaires (admins and analysts; viewers read), open and close waves, hand out links.

The builder (new surveys, questions, preview, families, reuse) is ui/survey_builder.py.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from db.models import WAVE_KINDS
from db.surveys import SurveyError, list_surveys, list_waves, open_wave, set_wave_open
from db.users import audit
from db.workspace import list_rounds
from services.collect import MAX_KEY
from ui import nav
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction
from ui.respondent_links import KeysTooLong, links_csv, parse_keys, qr_png
from ui.roles import can_build_surveys
from ui.survey_builder import SURVEY_KEY, SurveyRef, error_text, render_builder, render_new_survey

ctx = open_page(nav.SURVEYS, title_key="surveys.title", no_workspace_key="surveys.no_product")
user, selection = ctx.user, ctx.selection
can_build = can_build_surveys(user)
st.caption(t("surveys.product", product=plain(selection.product_name)))


def respondent_url(page: str, **query: object) -> str:
    """A link to a respondent page on this server (just the path where the address is unknown)."""
    here = str(getattr(st.context, "url", "") or "")
    base = here.split("?")[0].rsplit("/", 1)[0] if "://" in here else ""
    return f"{base}/{page}?{urlencode(query, safe='_')}"


def render_open_wave(survey_id: int) -> None:
    """A form to open a new wave of the survey in a round of the product, starting today."""
    with transaction() as session:
        rounds = {r.id: r.name for r in list_rounds(session, selection.product_id)}
    if not rounds:
        st.info(t("surveys.no_round"))
        return
    with st.form("surveys_open_wave"):
        st.markdown(f"**{t('surveys.open_wave')}**")
        ids = list(rounds)
        default = ids.index(selection.round_id) if selection.round_id in ids else 0
        round_id = st.selectbox(
            t("surveys.round"), ids, index=default, format_func=rounds.__getitem__, key="surveys_round"
        )
        kind = st.selectbox(
            t("surveys.kind"),
            WAVE_KINDS,
            format_func={k: t(f"wave.{k}") for k in WAVE_KINDS}.__getitem__,
            key="surveys_kind",
        )
        name = st.text_input(t("surveys.wave_name"), key="surveys_wave_name")
        if st.form_submit_button(t("surveys.open"), type="primary"):
            today = datetime.now(UTC).date()
            name = name.strip() or f"{t(f'wave.{kind}')} {today.isoformat()}"
            try:
                with transaction() as session:
                    wave = open_wave(session, survey_id, round_id, kind, name, opens_on=today)
                    audit(
                        session,
                        user.username,
                        "wave.open",
                        "wave",
                        wave.id,
                        {"name": wave.name, "kind": kind},
                    )
                st.success(t("surveys.opened", name=plain(name)))
            except SurveyError as err:
                st.error(error_text(err))


def toggle_wave(wave_id: int, name: str, is_open: bool) -> None:
    """Close or reopen a wave (a button callback, so the table drawn after it is current)."""
    with transaction() as session:
        set_wave_open(session, wave_id, is_open)
        audit(session, user.username, "wave.reopen" if is_open else "wave.close", "wave", wave_id)
    st.session_state["surveys_message"] = t("surveys.reopened" if is_open else "surveys.closed", name=name)


def render_waves(survey_id: int) -> None:
    """The survey's waves; for a picked one, the respondent link and a button to close or reopen it."""
    st.subheader(t("surveys.waves"), anchor=False)
    if message := st.session_state.pop("surveys_message", None):
        st.success(message)
    with transaction() as session:
        waves = list_waves(session, survey_id)
    if not waves:
        st.info(t("surveys.no_waves"))
        return
    status = {True: t("surveys.status_open"), False: t("surveys.status_closed")}
    table = pd.DataFrame(
        [
            (
                w.id,
                w.name,
                t(f"wave.{w.kind}"),
                w.round_name,
                status[w.is_open],
                w.responses,
                w.opens_on,
                w.closes_on,
            )
            for w in waves
        ],
        columns=["id"]
        + [
            t(f"surveys.col_{c}") for c in ("wave", "kind", "round", "status", "responses", "opens", "closes")
        ],
    )
    st.dataframe(table, hide_index=True)

    by_id = {w.id: w for w in waves}
    wave_id = st.selectbox(
        t("surveys.manage_wave"),
        list(reversed(by_id)),
        format_func=lambda i: f"{by_id[i].name} ({status[by_id[i].is_open]})",
        key="surveys_wave",
    )
    wave = by_id[wave_id]
    st.caption(t("surveys.respondents", n=wave.responses))
    render_links(wave.id)
    if can_build:
        st.button(
            t("surveys.close") if wave.is_open else t("surveys.reopen"),
            key="surveys_toggle",
            on_click=toggle_wave,
            args=(wave.id, wave.name, not wave.is_open),
        )


def render_links(wave_id: int) -> None:
    """The wave's respondent links: personal ones (a template, or a CSV for a list of keys) and anonymous."""
    st.markdown(f"**{t('surveys.personal_links')}**")
    st.caption(t("surveys.link_help"))
    st.code(
        respondent_url("questionnaire", wave=wave_id, key="RESPONDENT_KEY"), language=None, wrap_lines=True
    )
    st.caption(t("surveys.path", path="/questionnaire"))
    entered = st.text_area(t("surveys.keys"), help=t("surveys.keys_help"), key="surveys_keys")
    try:
        keys = parse_keys(entered)
    except KeysTooLong as err:
        st.error(t("surveys.keys_too_long", n=MAX_KEY, keys=", ".join(k[:40] + "…" for k in err.keys)))
        keys = []
    if keys:
        data = links_csv(
            keys,
            lambda key: respondent_url("questionnaire", wave=wave_id, key=key),
            (t("surveys.col_key"), t("surveys.col_link")),
        )
        st.download_button(
            t("surveys.links_csv", n=len(keys)),
            data,
            file_name=f"wave-{wave_id}-links.csv",
            mime="text/csv",
            icon=":material/download:",
            key="surveys_links_csv",
        )

    st.markdown(f"**{t('surveys.anonymous_link')}**")
    st.caption(t("surveys.anonymous_help"))
    link = respondent_url("questionnaire", wave=wave_id, anonymous=1)
    st.code(link, language=None, wrap_lines=True)
    png = qr_png(link)
    st.image(png, caption=t("surveys.qr"), width=200)
    st.download_button(
        t("surveys.qr_download"),
        png,
        file_name=f"wave-{wave_id}-qr.png",
        mime="image/png",
        icon=":material/qr_code_2:",
        key="surveys_qr",
    )


def render_feedback_link() -> None:
    """The link a product embeds for in-app feedback, with placeholders for versions and respondent key."""
    st.subheader(t("surveys.feedback_link"), anchor=False)
    st.caption(t("surveys.feedback_link_help"))
    link = respondent_url(
        "feedback",
        product=selection.product_id,
        app_version="APP_VERSION",
        model_version="MODEL_VERSION",
        key="RESPONDENT_KEY",
        embed="true",
    )
    st.code(link, language=None, wrap_lines=True)


with transaction() as session:
    surveys = {s.id: s.name for s in list_surveys(session, selection.product_id)}
if can_build:
    render_new_survey(user, selection.product_id, expanded=not surveys)
if not surveys:
    st.info(t("surveys.none"))
else:
    if st.session_state.get(SURVEY_KEY) not in surveys:
        st.session_state[SURVEY_KEY] = next(iter(surveys))
    survey_id = st.selectbox(
        t("surveys.survey"), list(surveys), format_func=surveys.__getitem__, key=SURVEY_KEY
    )
    render_builder(user, SurveyRef(survey_id, surveys[survey_id], selection.product_name), can_build)
    if can_build:
        render_open_wave(survey_id)
    render_waves(survey_id)
render_feedback_link()

"""Users & representativeness: import the product's user list, see its margins and who answered a wave."""

from typing import Any

import pandas as pd
import streamlit as st

from analytics import importing
from db import waves as waves_repo
from services import user_list as service
from ui import nav
from ui.file_upload import file_uploader
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction

LIMIT_MB = max(1, importing.MAX_FILE_BYTES // (1024 * 1024))
ctx = open_page(nav.POPULATION, title_key="population.title", no_workspace_key="population.no_product")
user, selection = ctx.user, ctx.selection
st.caption(t("population.intro"))


def render_margins(frame: pd.DataFrame) -> None:
    """The list's size and its users per attribute value."""
    if frame.empty:
        st.info(t("population.none"))
        return
    st.markdown(t("population.size", n=f"{len(frame):,}"))
    st.subheader(t("population.margins"))
    table = service.margins(frame).rename(
        columns={
            "attribute": t("population.col.attribute"),
            "value": t("population.col.value"),
            "users": t("population.col.users"),
            "share": t("population.col.share"),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={t("population.col.share"): st.column_config.NumberColumn(format="percent")},
    )


def render_import() -> None:
    """Upload a list, pick its key column, replace the stored list (all or nothing)."""
    uploaded: Any = file_uploader(t("population.upload"), ["csv", "xlsx"], "population_file", LIMIT_MB)
    if uploaded is None:
        return
    try:
        table = service.read_user_list(uploaded.getvalue(), uploaded.name)
    except importing.ImportProblem as problem:
        st.error(t(f"import.problem.{problem.code}", **problem.values) + " " + t("population.kept"))
        return
    st.caption(
        t(
            "population.read",
            rows=f"{len(table.rows):,}",
            columns=len(table.columns),
            encoding=table.encoding or "XLSX",
        )
    )
    guess = service.guess_key_column(table.columns)
    options = list(table.columns)
    key_column = st.selectbox(
        t("population.key_column"),
        options,
        index=options.index(guess) if guess in options else 0,
        key=f"population_key_{uploaded.file_id}",
    )
    if st.button(t("population.replace"), type="primary", key="population_replace"):
        try:
            with transaction() as session:
                result = service.store_user_list(
                    session, selection.product_id, table, key_column, user.username
                )
        except service.UserListProblem as problem:
            st.error(t(f"population.problem.{problem.code}") + " " + t("population.kept"))
            return
        st.success(
            t(
                "population.done",
                stored=f"{result.stored:,}",
                blank=result.blank_keys,
                repeated=result.repeated_keys,
            )
        )


def render_who_answered(frame: pd.DataFrame) -> None:
    """A wave's respondents against the list: shares, flags, goodness of fit, weights."""
    st.subheader(t("population.who"))
    st.caption(t("population.who_intro"))
    with transaction() as session:
        waves = waves_repo.product_waves(session, selection.product_id)
    if not waves:
        st.info(t("population.no_waves"))
        return
    names = {w.id: plain(w.name) for w in waves}
    wave_id = st.selectbox(
        t("population.wave"),
        list(names),
        index=len(names) - 1,
        format_func=names.__getitem__,
        key="population_wave",
    )
    offered = service.weighting_attributes(frame)
    if not offered:
        st.info(t("population.no_attributes"))
        return
    by = st.multiselect(t("population.attributes"), offered, default=offered, key="population_by")
    if not by:
        return
    with transaction() as session:
        keys = service.wave_respondent_keys(session, wave_id)
    who = service.who_answered(frame, keys, by)
    st.markdown(t("population.matched", matched=who.matched, not_in=who.not_in_list))
    shares = who.shares.assign(
        flag=[t("population.flag.under") if f else "" for f in who.shares["under_represented"]]
    )[["attribute", "value", "population_share", "respondent_n", "respondent_share", "std_diff", "flag"]]
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        shares.rename(
            columns={
                "attribute": t("population.col.attribute"),
                "value": t("population.col.value"),
                "population_share": t("population.col.population_share"),
                "respondent_n": t("population.col.respondents"),
                "respondent_share": t("population.col.respondent_share"),
                "std_diff": t("population.col.std_diff"),
                "flag": t("population.col.flag"),
            }
        ),
        hide_index=True,
        column_config={
            t("population.col.population_share"): percent,
            t("population.col.respondent_share"): percent,
        },
    )
    for row in who.fit.to_dict("records"):
        if pd.notna(row["chi2"]):
            st.caption(
                t(
                    "population.fit",
                    attribute=plain(str(row["attribute"])),
                    chi2=f"{row['chi2']:.2f}",
                    dof=row["dof"],
                    p=f"{row['p_val']:.3g}",
                )
            )
    if who.weights is None:
        st.warning(t("population.weights_failed", problem=plain(who.problem)))
    else:
        st.markdown(
            t(
                "population.weights",
                deff=f"{who.weights.design_effect:.2f}",
                neff=f"{who.weights.effective_n:.1f}",
                n=who.weights.n,
            )
        )


with transaction() as session:
    members = service.population(session, selection.product_id)
if ctx.can_edit:
    render_import()
    with transaction() as session:  # read again: an import just now replaced it
        members = service.population(session, selection.product_id)
else:
    st.caption(t("population.viewer"))
render_margins(members)
if not members.empty:
    render_who_answered(members)

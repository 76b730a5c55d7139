"""Feedback browser: filter, search and read feedback; an admin deletes one respondent's data."""

import math
from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from analytics.vocabulary import CATEGORIES
from db.engine import DatabaseProblem
from db.feedback import FeedbackFilter, count_matching, count_respondent, find_feedback
from db.models import CHANNELS
from services.respondents import forget_respondent_everywhere, respondent_keys
from ui import nav, roles
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import engine, show_database_problem, transaction

PAGE_SIZE = 50
CATEGORY_CHOICES = (*CATEGORIES, "none")  # "none": not categorised yet

ctx = open_page(nav.FEEDBACK_BROWSER, title_key="browser.title", no_workspace_key="browser.no_product")
user, selection = ctx.user, ctx.selection
st.caption(
    t(
        "browser.scope",
        product=plain(selection.product_name),
        round=plain(selection.round_name) if selection.round_name else t("workspace.all_rounds"),
    )
)
st.session_state.setdefault("browser_page", 1)


def read_filters() -> FeedbackFilter:
    """The filter form; a new filter starts again at page 1."""
    assert selection is not None
    with st.form("browser_filters"):
        left, right = st.columns(2)
        channels = left.multiselect(
            t("browser.channels"),
            CHANNELS,
            format_func={c: t(f"channel.{c}") for c in CHANNELS}.__getitem__,
            key="browser_channels",
        )
        categories = right.multiselect(
            t("browser.categories"),
            CATEGORY_CHOICES,
            format_func={c: t(f"browser.category.{c}") for c in CATEGORY_CHOICES}.__getitem__,
            key="browser_categories",
        )
        date_from = left.date_input(t("browser.date_from"), value=None, key="browser_from")
        date_to = right.date_input(t("browser.date_to"), value=None, key="browser_to")
        low, high = left.slider(t("browser.rating"), 1, 5, (1, 5), key="browser_rating")
        unrated = right.checkbox(t("browser.include_unrated"), value=True, key="browser_unrated")
        search = st.text_input(t("browser.search"), key="browser_search", help=t("browser.search_help"))
        if st.form_submit_button(t("browser.apply"), icon=":material/filter_alt:"):
            st.session_state["browser_page"] = 1
    if date_from is not None and date_to is not None and date_from > date_to:
        st.error(t("browser.bad_range"))
        st.stop()
    full_range = (low, high) == (1, 5)
    return FeedbackFilter(
        product_id=selection.product_id,
        round_id=selection.round_id,
        channels=tuple(channels),
        # The days the user picks are the workspace's days; the database compares UTC times.
        created_from=None
        if date_from is None
        else datetime.combine(date_from, time(), selection.zone).astimezone(UTC),
        created_before=None
        if date_to is None
        else datetime.combine(date_to + timedelta(days=1), time(), selection.zone).astimezone(UTC),
        categories=tuple(None if c == "none" else c for c in categories),
        rating_min=None if full_range else float(low),
        rating_max=None if full_range else float(high),
        include_unrated=unrated,
        search=search.strip(),
    )


def render_counts(counts: dict[str, int]) -> int:
    """The matching feedback counted in total and per channel; returns the total."""
    total = sum(counts.values())
    cells = st.columns(len(CHANNELS) + 1)
    cells[0].metric(t("browser.total"), total)
    for cell, channel in zip(cells[1:], CHANNELS, strict=True):
        cell.metric(t(f"channel.{channel}"), counts[channel])
    return total


def number_text(value: float | None, none_key: str) -> str:
    """A rating or severity as the user reads it: "4", "3.5", or a word when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t(none_key)
    return f"{value:g}"


def render_table(flt: FeedbackFilter, total: int) -> None:
    """One page of the feedback matching `flt` as a table, with a page number to move through all `total`."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if st.session_state["browser_page"] > pages:
        st.session_state["browser_page"] = pages
    page = st.number_input(t("browser.page", n=pages), 1, pages, step=1, key="browser_page")
    offset = (int(page) - 1) * PAGE_SIZE
    with transaction() as session:
        items = find_feedback(session, flt, offset=offset, limit=PAGE_SIZE)
        rows = [
            (
                selection.local_text(f.created_at),
                t(f"channel.{f.channel}"),
                number_text(f.rating, "browser.unrated"),
                t(f"browser.category.{f.category}") if f.category in CATEGORIES else "",
                number_text(f.severity, "browser.no_severity"),
                f.language or "",
                f.text,  # st.dataframe shows it as plain text, never as HTML or markdown
                f.source_ref or "",
                f.app_version or "",
            )
            for f in items
        ]
    st.caption(t("browser.showing", first=offset + 1, last=offset + len(rows), total=total))
    names = ("created_at", "channel", "rating", "category", "severity", "language", "text", "source_ref")
    columns = [t(f"browser.col.{name}", zone=selection.time_zone) for name in (*names, "app_version")]
    frame = pd.DataFrame(rows, columns=columns)
    st.dataframe(
        frame,
        hide_index=True,
        column_config={t("browser.col.text"): st.column_config.TextColumn(width="large")},
    )


def render_forget() -> None:
    """Admin only: find what is stored under one respondent key, confirm, delete it everywhere."""
    st.divider()
    st.subheader(t("browser.forget_title"))
    st.caption(t("browser.forget_explain"))
    done = st.session_state.pop("browser_forget_done", None)
    if done is not None:
        st.success(t("browser.forget_done", feedback=done.feedback, responses=done.responses))
        st.info(
            t(
                "browser.forget_derived",
                embeddings=done.embeddings,
                described=done.topics_described,
                dropped=done.topics_dropped,
            )
        )
        if not done.files_rewritten:
            st.warning(t("browser.forget_not_rewritten"))
    with st.form("browser_forget_find", clear_on_submit=True):  # the raw id does not stay on screen
        entered = st.text_input(t("browser.forget_key"), key="browser_forget_key")
        if st.form_submit_button(t("browser.forget_find"), icon=":material/search:"):
            st.session_state.pop("browser_forget", None)
            st.session_state.pop("browser_forget_confirm", None)
            if not entered.strip():
                st.error(t("browser.forget_empty"))
            else:
                with transaction() as session:
                    keys = respondent_keys(session, entered)
                    st.session_state["browser_forget"] = (keys, count_respondent(session, keys))
    pending = st.session_state.get("browser_forget")
    if pending is None:
        return
    keys, found = pending
    if found.empty:
        st.info(t("browser.forget_none"))
        return
    st.warning(t("browser.forget_found", feedback=found.feedback, responses=found.responses))
    confirmed = st.checkbox(t("browser.forget_confirm"), key="browser_forget_confirm")
    if st.button(
        t("browser.forget_delete"), key="browser_forget_delete", type="primary", icon=":material/delete:"
    ):
        if not confirmed:
            st.error(t("browser.forget_unconfirmed"))
            return
        try:  # deletes, recomputes the derived data, rewrites the files; a held lock is retried briefly
            deleted = forget_respondent_everywhere(engine(), keys, actor=user.username)
        except DatabaseProblem as problem:
            show_database_problem(problem)
            st.stop()
        st.session_state.pop("browser_forget", None)
        st.session_state["browser_forget_done"] = deleted
        st.rerun()  # the counts and the table above must no longer show what was deleted


flt = read_filters()
with transaction() as session:
    counts = count_matching(session, flt)
total = render_counts(counts)
if total == 0:
    st.info(t("browser.empty"))
else:
    render_table(flt, total)
if roles.is_admin(user):
    render_forget()

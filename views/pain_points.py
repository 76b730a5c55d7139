"""Pain points: find topics in the feedback, rank them, read typical scenarios, open rectification items."""

import re
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from analytics import charts_painpoints as charts
from analytics.ranking import MIN_TREND_ITEMS, RankingWeights, rank_pain_points, trend_periods
from analytics.topics import SMALL_CORPUS, warm_up
from analytics.vocabulary import CATEGORIES
from db import feedback as feedback_repo
from db import feedback_categories, topic_runs
from db.engine import database_url, unit_of_work
from db.items import WORKED_ON, ItemError, NewItem, list_items, list_product_items, open_item
from db.models import CHANNELS, ITEM_STATUSES
from db.topic_runs import latest_run_id, load_run, merge_topics, rename_topic
from db.users import audit
from db.workspace import list_rounds
from services import pain_points, scale
from ui import nav, workspace
from ui.i18n import STRINGS, t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import encoder_for, engine, transaction, write

ENCODERS = ("use-multilingual", "use+minilm", "minilm-int8")
DEFAULT_WEIGHTS = RankingWeights()
TREND_LINES = 5  # lines in the share-over-time chart
MAX_ITEM_CHOICES = 200  # items offered for a category correction, most typical first

ctx = open_page(nav.PAIN_POINTS, title_key="pp.title", no_workspace_key="pp.no_product")
user, can_edit, selection = ctx.user, ctx.can_edit, ctx.selection
scope = selection.round_name or t("workspace.all_rounds")
st.caption(t("pp.scope", product=plain(selection.product_name), round=plain(scope)))

st.session_state.setdefault("pp_min_topic_size", 0)
st.session_state.setdefault("pp_encoder", ENCODERS[0])
st.session_state.setdefault("pp_w_frequency", DEFAULT_WEIGHTS.frequency)
st.session_state.setdefault("pp_w_severity", DEFAULT_WEIGHTS.severity)
st.session_state.setdefault("pp_w_trend", DEFAULT_WEIGHTS.trend)
st.session_state.setdefault("pp_period_days", 28)
st.session_state.setdefault("pp_top", 10)
st.session_state.setdefault("pp_freq", "week")
st.session_state.setdefault("pp_quotes", 5)


@st.cache_data(max_entries=8, show_spinner=False)
def run_data(database: str, run_id: int, version: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The stored run: its items with topics, its live topics and what the run was (cached per version)."""
    with unit_of_work(engine()) as session:
        stored = load_run(session, run_id)
        items = topic_runs.run_items(session, run_id)
    meta = {
        "model_id": stored.model_id,
        "params": stored.params,
        "n_docs": stored.n_docs,
        "created_at": stored.created_at,
    }
    return items, stored.topics, meta


@st.cache_data(max_entries=32, show_spinner=False)
def ranked_for(
    database: str,
    run_id: int,
    version: str,
    weights: tuple[float, float, float],
    period_days: int,
    anchor: date,
) -> pd.DataFrame:
    """rank_pain_points of the run: re-ranking with other weights or another date never refits anything.

    The trend periods end on `anchor`, the date the user sees above the table (by default the day the
    topics were fitted), never on the newest item: one late answer would zero every trend.
    """
    items, topics, _ = run_data(database, run_id, version)
    return rank_pain_points(
        items,
        topics[["key", "label"]],
        weights=RankingWeights(*weights),
        now=anchor,
        period_days=period_days,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def scenarios_for(database: str, run_id: int, version: str, key: str, k: int) -> pd.DataFrame:
    """Typical, mutually different quotes of one topic, with where they came from."""
    items, topics, meta = run_data(database, run_id, version)
    with unit_of_work(engine()) as session:
        return pain_points.typical_quotes(session, meta["model_id"], items, topics, key, k)


def weights_now() -> tuple[float, float, float]:
    """The chosen frequency, severity and trend weights; frequency alone when all three are 0."""
    chosen = (
        float(st.session_state["pp_w_frequency"]),
        float(st.session_state["pp_w_severity"]),
        float(st.session_state["pp_w_trend"]),
    )
    return chosen if sum(chosen) > 0 else (1.0, 0.0, 0.0)


def localised_terms(value: object) -> str:
    """The ranking's severity terms ("wrong dosage x3; slow x2") in the user's language."""
    if not isinstance(value, str) or not value:
        return ""
    parts = []
    for part in value.split("; "):
        label, _, count = part.rpartition(" x")
        key = "pp.term." + re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        parts.append(f"{t(key) if key in STRINGS else plain(label)} x{count}")
    return "; ".join(parts)


def category_name(value: object) -> str:
    """The category in the user's language; "" when `value` is not a known category."""
    return t(f"pp.category.{value}") if isinstance(value, str) and value in CATEGORIES else ""


def when(moment: object) -> str:
    """The moment's day in UTC as YYYY-MM-DD; "" when it is not a time."""
    if not isinstance(moment, datetime | pd.Timestamp):
        return ""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return str(stamp.strftime("%Y-%m-%d"))


# ---------------------------------------------------------------------------------------------
# Running the analysis


def render_settings() -> None:
    """The analysis settings: the smallest topic size and the sentence encoder a fit uses."""
    with st.expander(t("pp.settings"), icon=":material/tune:"):
        left, right = st.columns(2)
        left.number_input(
            t("pp.min_topic_size"), 0, 1000, step=5, key="pp_min_topic_size", help=t("pp.min_topic_size_help")
        )
        right.selectbox(
            t("pp.encoder"),
            ENCODERS,
            format_func=lambda name: t(f"pp.encoder.{name.replace('+', '_').replace('-', '_')}"),
            key="pp_encoder",
            help=t("pp.encoder_help"),
        )


def run_analysis(incremental: bool, reason: str | None = None) -> None:
    """The whole analysis in this session's script run, with a line per stage; the run is stored.

    incremental: place the items that came after the run into its topics (no refit); else refit.
    reason: a line saying why this runs without a click (new items placed, or a refit due).

    Other sessions keep working: each stage writes in its own short transaction, and the encoder and
    the compiled topic model are shared resources of the server process.
    """
    assert selection is not None
    names = {
        "prepare": t("pp.stage.prepare"),
        "categories": t("pp.stage.categories"),
        "topics": t("pp.stage.incremental") if incremental else t("pp.stage.topics"),
    }
    done_lines: list[str] = []
    started: dict[str, float] = {}
    with st.status(t("pp.placing") if incremental else t("pp.running"), expanded=True) as status:
        bar = None
        if reason:
            st.write(reason)
            done_lines.append(reason)

        def line(text: str) -> None:
            st.write(text)
            done_lines.append(text)

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal bar
            if done == 0 or stage not in started:
                started[stage] = time.perf_counter()
                if stage == "embed":
                    line(t("pp.stage.embed", n=f"{total:,}") if total else t("pp.stage.embed_cached"))
                    bar = st.progress(0.0) if total else None
                else:
                    line(names[stage])
            if stage == "embed" and bar is not None and total:
                bar.progress(done / total, text=f"{done:,} / {total:,}")
            if done == total and total:
                done_lines[-1] += " " + t(
                    "pp.stage.took", seconds=f"{time.perf_counter() - started[stage]:.1f}"
                )

        try:
            if incremental:
                encoder = encoder_for(fitted_model())
                summary = pain_points.add_new_feedback(
                    engine(),
                    selection.product_id,
                    selection.round_id,
                    encoder,
                    progress=progress,
                    actor=user.username,
                )
            else:
                line(t("pp.stage.encoder"))
                # A refit due to new items keeps the fit's model; one asked for uses the chosen model.
                encoder = encoder_for(fitted_model() if reason else st.session_state["pp_encoder"])
                summary = pain_points.analyse_scope(
                    engine(),
                    selection.product_id,
                    selection.round_id,
                    encoder,
                    progress=progress,
                    warm_up=warm_up,
                    actor=user.username,
                    min_topic_size=int(st.session_state["pp_min_topic_size"]) or None,
                )
        except pain_points.NoFeedback:
            status.update(label=t("pp.nothing_new"), state="error")
            return
        except LookupError:
            status.update(label=t("pp.refit_needed"), state="error")
            return
        status.update(label=t("pp.done", seconds=f"{summary.seconds:.0f}"), state="complete", expanded=False)
    st.session_state["pp_finished"] = (summary, done_lines)
    st.rerun()


def bring_up_to_date(fit: topic_runs.FitStatus, is_latest: bool) -> None:
    """New feedback since the run: placed into the fitted topics, or a refit once it is too much.

    Placing keeps every topic, key, name and old assignment (a refit of a few new items reshuffled
    the topics); topic_runs.REFIT_SHARE says when the new items are enough to fit the topics anew.
    Viewers only read; a run that is not the product's newest cannot take items (refit instead).
    """
    if not (fit.waiting and can_edit and is_latest):
        return
    if fit.refit_due and fit.fitted_items + fit.since_fit >= scale.threshold():
        st.warning(
            t(
                "scale.refit_batch",
                share=f"{topic_runs.REFIT_SHARE:.0%}",
                n=f"{fit.fitted_items + fit.since_fit:,}",
            )
        )
        st.code(scale.batch_command(selection.product_name, selection.round_name), language="bash")
        return
    if fit.refit_due:
        run_analysis(
            incremental=False,
            reason=t(
                "pp.auto_refit",
                n=f"{fit.since_fit:,}",
                fitted=f"{fit.fitted_items:,}",
                share=f"{topic_runs.REFIT_SHARE:.0%}",
            ),
        )
    else:
        run_analysis(incremental=True, reason=t("pp.auto_place", n=f"{fit.waiting:,}"))


def fitted_model() -> str:
    """The encoder of the scope's stored run (the default one when there is none)."""
    assert selection is not None
    with unit_of_work(engine()) as session:
        run_id = topic_runs.scope_run_id(session, selection.product_id, selection.round_id)
        model_id = load_run(session, run_id).model_id if run_id is not None else ENCODERS[0]
    return encoder_name(model_id)


def encoder_name(model_id: str) -> str:
    """The load_encoder name of a stored run's model id (the ids of the shipped encoders differ)."""
    if model_id.startswith("use-multilingual") and "all-MiniLM" in model_id:
        return "use+minilm"
    if model_id.startswith("use-multilingual"):
        return "use-multilingual"
    if model_id.startswith("all-MiniLM-L6-v2"):
        return "minilm-int8" if "int8" in model_id else "minilm"
    return model_id.removesuffix(":onnx-int8") + ":int8" if model_id.endswith(":onnx-int8") else model_id


def render_finished() -> None:
    """After an analysis: what it did, and its stage lines in a closed status box."""
    finished = st.session_state.pop("pp_finished", None)
    if finished is None:
        return
    summary, lines = finished
    if summary.method == "incremental":
        st.toast(t("pp.placed_toast", n=f"{summary.items:,}"), icon=":material/check:")
        with st.status(t("pp.done", seconds=f"{summary.seconds:.0f}"), state="complete", expanded=False):
            for text in lines:
                st.write(text)
        return
    st.toast(t("pp.toast", topics=summary.topics, seconds=f"{summary.seconds:.0f}"), icon=":material/check:")
    st.success(
        t(
            "pp.finished",
            items=f"{summary.items:,}",
            embedded=f"{summary.embedded:,}",
            topics=summary.topics,
            categorised=f"{summary.categorised:,}",
            kept=f"{summary.kept:,}",
            seconds=f"{summary.seconds:.0f}",
        )
    )
    with st.status(t("pp.done", seconds=f"{summary.seconds:.0f}"), state="complete", expanded=False):
        for text in lines:
            st.write(text)


# ---------------------------------------------------------------------------------------------
# Reading a stored run


def render_run_header(meta: dict[str, Any], unclustered: float, fit: topic_runs.FitStatus) -> None:
    """What the stored run is and what came since; for editors, the settings and a refit button."""
    assert selection is not None
    st.caption(
        t(
            "pp.run_caption",
            n=f"{fit.fitted_items:,}",
            date=when(fit.fitted_at or meta["created_at"]),
            model=meta["model_id"],
            unclustered=f"{unclustered:.1%}",
        )
    )
    if meta["params"].get("sample_docs"):
        sample = int(meta["params"]["sample_docs"])
        st.caption(t("scale.sampled", sample=f"{sample:,}", rest=f"{int(meta['n_docs']) - sample:,}"))
    if meta["params"].get("method") == "grouped":
        st.warning(t("pp.grouped", n=meta["n_docs"]))
    if fit.placed:
        st.info(
            t(
                "pp.since_fit",
                n=f"{fit.placed:,}",
                share=f"{fit.placed / max(fit.fitted_items, 1):.1%}",
                limit=f"{topic_runs.REFIT_SHARE:.0%}",
            ),
            icon=":material/playlist_add_check:",
        )
    if fit.waiting:
        st.info(t("pp.new_items", n=f"{fit.waiting:,}"))
    if not can_edit:
        return
    render_settings()
    if st.button(t("pp.refit"), key="pp_rerun", icon=":material/refresh:", help=t("pp.refit_help")):
        run_analysis(incremental=False)


def render_weights() -> None:
    """Sliders for the frequency, severity and trend weights, and the trend period's length in days."""
    with st.expander(t("pp.weights"), icon=":material/balance:"):
        st.caption(t("pp.weights_help"))
        cols = st.columns(4)
        cols[0].slider(t("pp.w_frequency"), 0.0, 1.0, step=0.05, key="pp_w_frequency")
        cols[1].slider(t("pp.w_severity"), 0.0, 1.0, step=0.05, key="pp_w_severity")
        cols[2].slider(t("pp.w_trend"), 0.0, 1.0, step=0.05, key="pp_w_trend")
        cols[3].number_input(t("pp.period_days"), 7, 180, step=7, key="pp_period_days")


def render_trend_anchor(fit: topic_runs.FitStatus) -> date:
    """The day the trend periods end, shown and changeable; by default the day the topics were fitted.

    Returns:
        The chosen day.
    """
    default = fit.fitted_at.date() if fit.fitted_at is not None else date.today()
    if st.session_state.get("pp_anchor_default") != default:  # a new fit: its day, not the old pick
        st.session_state["pp_anchor_default"] = default
        st.session_state["pp_anchor"] = default
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    left.date_input(t("pp.anchor"), key="pp_anchor", help=t("pp.anchor_help"))
    anchor = st.session_state.get("pp_anchor")
    anchor = anchor if isinstance(anchor, date) else default
    previous_first, previous_last, recent_first, recent_last = trend_periods(
        anchor, int(st.session_state["pp_period_days"])
    )
    right.caption(
        t(
            "pp.trend_periods",
            recent=f"{recent_first:%Y-%m-%d} – {recent_last:%Y-%m-%d}",
            previous=f"{previous_first:%Y-%m-%d} – {previous_last:%Y-%m-%d}",
            analysed=when(fit.fitted_at) or "—",
        )
    )
    return anchor


def render_trend_note(ranked: pd.DataFrame, items: pd.DataFrame, anchor: date) -> None:
    """Why there is no trend, when a period holds too little data (never a silent 0)."""
    if ranked.empty or bool(ranked["trend_known"].iloc[0]):
        return
    note = str(ranked["trend_note"].iloc[0])
    dates = pd.to_datetime(items["created_at"], utc=True).dropna() if len(items) else pd.Series()
    dates = dates[dates.dt.date <= anchor] if len(dates) else dates
    newest = when(dates.max()) if len(dates) else "—"  # the last day with data up to the anchor
    why = {
        "no_dates": t("pp.trend_why_no_dates"),
        "too_little_recent": t("pp.trend_why_recent", n=MIN_TREND_ITEMS, newest=newest),
        "too_little_previous": t("pp.trend_why_previous", n=MIN_TREND_ITEMS),
    }
    st.warning(
        why.get(note, why["too_little_previous"]),
        icon=":material/timeline:",
    )


def yes_word(flag: object, word_key: str) -> str:
    """A table's yes/no as a word for yes and nothing for no (never True/False)."""
    return t(word_key) if bool(flag) else ""


def trend_word(row: pd.Series) -> str:
    """The topic's trend in words: up or down by how much, new, or unknown."""
    if not bool(row["trend_known"]):
        return t("pp.trend_unknown")
    if bool(row["is_new"]):
        return t("pp.trend.new")
    growth = float(row["growth"])
    if pd.isna(growth) or growth == 0:
        return t("pp.trend.flat")
    return t("pp.trend.up" if growth > 0 else "pp.trend.down", pct=f"{growth:+.0%}".replace("-", "−"))


def render_ranked(ranked: pd.DataFrame, item_keys: set[str]) -> None:
    """The ranked pain points; every part of the priority only when the user asks for the calculation."""
    st.subheader(t("pp.ranked_heading"))
    calculation = st.toggle(
        t("pp.show_calculation"), key="pp_show_calculation", help=t("pp.help.calculation")
    )
    if not calculation:
        render_ranked_simple(ranked, item_keys)
        return
    table = pd.DataFrame(
        {
            t("pp.col.rank"): ranked["rank"],
            t("pp.col.topic"): ranked["label"],
            t("pp.col.category"): [category_name(c) for c in ranked["category"].tolist()],
            t("pp.col.priority"): ranked["priority"],
            t("pp.col.frequency"): ranked["frequency_contribution"],
            t("pp.col.severity"): ranked["severity_contribution"],
            t("pp.col.trend"): ranked["trend_contribution"],
            t("pp.col.trend_note"): [
                "" if known else t("pp.trend_unknown") for known in ranked["trend_known"].tolist()
            ],
            t("pp.col.complaint_rate"): ranked["complaint_rate"] * 100,
            t("pp.col.count"): ranked["count"],
            t("pp.col.share"): ranked["share"] * 100,
            t("pp.col.respondents"): ranked["respondents"],
            t("pp.col.channels"): ranked["channels"],
            t("pp.col.mean_rating"): ranked["mean_rating"],
            t("pp.col.low_rating_share"): ranked["low_rating_share"] * 100,
            t("pp.col.negative_tone"): ranked["negative_tone"],
            t("pp.col.lexicon_severity"): ranked["lexicon_severity"],
            t("pp.col.cs_severity"): ranked["cs_severity"],
            t("pp.col.severity_terms"): ranked["severity_terms"].map(localised_terms),
            t("pp.col.recent"): ranked["recent_count"],
            t("pp.col.previous"): ranked["previous_count"],
            t("pp.col.growth"): ranked["growth"] * 100,
            t("pp.col.new"): [yes_word(n, "pp.yes_new") for n in ranked["is_new"]],
            t("pp.col.item"): [yes_word(str(k) in item_keys, "pp.yes_item") for k in ranked["topic_key"]],
            t("pp.col.key"): ranked["topic_key"],
        }
    )
    fmt = st.column_config.NumberColumn
    st.dataframe(
        table,
        hide_index=True,
        height=min(36 * (len(table) + 1) + 2, 560),
        column_config={
            t("pp.col.topic"): st.column_config.TextColumn(width="medium"),
            t("pp.col.priority"): st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="%.3f", help=t("pp.help.priority")
            ),
            t("pp.col.frequency"): fmt(format="%.3f", help=t("pp.help.frequency")),
            t("pp.col.severity"): fmt(format="%.3f", help=t("pp.help.severity")),
            t("pp.col.trend"): fmt(format="%.3f", help=t("pp.help.trend")),
            t("pp.col.complaint_rate"): fmt(format="%.0f%%", help=t("pp.help.complaint_rate")),
            t("pp.col.share"): fmt(format="%.1f%%"),
            t("pp.col.mean_rating"): fmt(format="%.2f"),
            t("pp.col.low_rating_share"): fmt(format="%.0f%%"),
            t("pp.col.negative_tone"): fmt(format="%.2f"),
            t("pp.col.lexicon_severity"): fmt(format="%.2f", help=t("pp.help.lexicon")),
            t("pp.col.cs_severity"): fmt(format="%.1f", help=t("pp.help.cs_severity")),
            t("pp.col.growth"): fmt(format="%+.0f%%", help=t("pp.help.growth")),
        },
    )


def render_ranked_simple(ranked: pd.DataFrame, item_keys: set[str]) -> None:
    """What a reader needs to pick what to fix: rank, topic, priority as a bar, size, trend in words."""
    table = pd.DataFrame(
        {
            t("pp.col.rank"): ranked["rank"].to_numpy(),
            t("pp.col.topic"): ranked["label"].astype(str).to_numpy(),
            t("pp.col.category"): [category_name(c) for c in ranked["category"].tolist()],
            t("pp.col.priority"): ranked["priority"].to_numpy(),
            t("pp.col.count"): ranked["count"].to_numpy(),
            t("pp.col.share"): (ranked["share"] * 100).to_numpy(),
            t("pp.col.respondents"): ranked["respondents"].to_numpy(),
            t("pp.col.trend_words"): [trend_word(row) for _, row in ranked.iterrows()],
            t("pp.col.item"): [yes_word(str(k) in item_keys, "pp.yes_item") for k in ranked["topic_key"]],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        height=min(36 * (len(table) + 1) + 2, 560),
        column_config={
            t("pp.col.topic"): st.column_config.TextColumn(width="medium"),
            # The bar is the priority; its decimals are in the calculation.
            t("pp.col.priority"): st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format=" ", help=t("pp.help.priority")
            ),
            t("pp.col.share"): st.column_config.NumberColumn(format="%.0f%%"),
        },
    )


def render_charts(items: pd.DataFrame, ranked: pd.DataFrame) -> None:
    """The top topics in three tabs: priority and its parts, share over time, and channel mix."""
    st.subheader(t("pp.charts_heading"))
    most = max(3, min(30, len(ranked)))
    st.session_state["pp_top"] = min(int(st.session_state["pp_top"]), most)
    top = int(st.session_state["pp_top"])
    head = ranked.head(top)
    names = charts.topic_names(head)
    keys = head["topic_key"].astype(str).tolist()
    parts = {
        "frequency_contribution": t("pp.col.frequency"),
        "severity_contribution": t("pp.col.severity"),
        "trend_contribution": t("pp.col.trend"),
    }
    priority, over_time, mix = st.tabs([t("pp.tab.priority"), t("pp.tab.over_time"), t("pp.tab.channels")])
    with priority:
        if len(ranked) > 3:
            st.slider(t("pp.top_n"), 3, most, key="pp_top")
        st.altair_chart(
            charts.priority_bars(head, parts, top=top, x_title=t("pp.col.priority")), width="stretch"
        )
    with over_time:
        st.segmented_control(
            t("pp.period"),
            list(charts.FREQUENCIES),
            format_func=lambda f: t(f"pp.freq.{f}"),
            key="pp_freq",
        )
        freq = st.session_state.get("pp_freq") or "week"
        # More than a few lines tangle: the trend follows the first topics only.
        shares = charts.share_by_period(items, keys[:TREND_LINES], freq)
        if shares.empty:
            st.info(t("pp.no_dates"))
        else:
            if len(keys) > TREND_LINES:
                st.caption(t("pp.trend_lines", n=TREND_LINES))
            shares["topic"] = shares["topic_key"].astype(str).map(names)
            chart = charts.share_lines(
                shares, y_title=t("pp.share_axis"), date_format=t(f"pp.date_format.{freq}")
            )
            st.altair_chart(chart, width="stretch")
    with mix:
        frame = charts.channel_mix(items, keys)
        frame["topic"] = frame["topic_key"].astype(str).map(names)
        frame["channel_name"] = [t(f"channel.{c}") if c in CHANNELS else str(c) for c in frame["channel"]]
        st.altair_chart(
            charts.channel_mix_bars(frame, [names[k] for k in keys], x_title=t("pp.mix_axis")),
            width="stretch",
        )


# ---------------------------------------------------------------------------------------------
# One topic


def value_counts(values: pd.Series, unknown: str, top: int = 8) -> pd.DataFrame:
    """Counts of the most common values, as the `value`/`count` frame count_bars draws."""
    counts = values.astype("string").fillna(unknown).value_counts().head(top)
    return pd.DataFrame({"value": counts.index.astype(str), "count": counts.to_numpy()})


def render_breakdowns(members: pd.DataFrame) -> None:
    """Ratings and channels side by side, then the app and model versions the topic was reported on."""
    ratings = members["rating"].dropna().round().astype(int)
    rating_counts = pd.DataFrame(
        {"value": [f"{r} ★" for r in range(1, 6)], "count": [int((ratings == r).sum()) for r in range(1, 6)]}
    )
    channels = members["channel"].map(lambda c: t(f"channel.{c}") if c in CHANNELS else str(c))
    first, second = st.columns(2), st.columns(2)
    first[0].altair_chart(
        charts.count_bars(rating_counts, title=t("pp.ratings"), sort=rating_counts["value"].tolist()),
        width="stretch",
    )
    first[0].caption(t("pp.unrated", n=int(members["rating"].isna().sum())))
    first[1].altair_chart(
        charts.count_bars(value_counts(channels, "?"), title=t("pp.channels")), width="stretch"
    )
    second[0].altair_chart(
        charts.count_bars(value_counts(members["app_version"], t("pp.unknown")), title=t("pp.app_versions")),
        width="stretch",
    )
    second[1].altair_chart(
        charts.count_bars(
            value_counts(members["model_version"], t("pp.unknown")), title=t("pp.model_versions")
        ),
        width="stretch",
    )


def render_quotes(run_id: int, version: str, key: str) -> None:
    """Typical scenarios: each quote as plain text (st.text: never markdown or HTML), with its source."""
    st.markdown(f"**{t('pp.scenarios')}**")
    st.caption(t("pp.scenarios_help"))
    st.slider(t("pp.quote_count"), 3, 6, key="pp_quotes")
    quotes = scenarios_for(database_url(), run_id, version, key, int(st.session_state["pp_quotes"]))
    if quotes.empty:
        st.info(t("pp.no_quotes"))
        return
    for quote in quotes.itertuples():
        with st.container(border=True):
            st.text(str(quote.text))
            source = [
                t(f"channel.{quote.channel}") if quote.channel in CHANNELS else str(quote.channel),
                t("pp.no_rating") if pd.isna(quote.rating) else f"{quote.rating:.0f} ★",
                when(quote.created_at),
                category_name(quote.category),
            ]
            st.caption(" · ".join(part for part in source if part))


def render_rename_merge(run_id: int, key: str, label: str, ranked: pd.DataFrame) -> None:
    """Forms to rename the topic and to merge other topics into it; both are audited."""
    left, right = st.columns(2)
    with left.form(f"pp_rename_form_{run_id}_{key}"):
        name = st.text_input(t("pp.rename"), value=label, max_chars=200, key=f"pp_rename_{run_id}_{key}")
        st.caption(t("pp.rename_help"))
        if st.form_submit_button(t("pp.rename_save"), icon=":material/edit:"):
            with transaction() as session:
                rename_topic(session, run_id, key, name)
                audit(
                    session,
                    user.username,
                    "topic.rename",
                    "topic",
                    key,
                    {"run_id": run_id, "name": name.strip()},
                )
            st.session_state["pp_notice"] = t("pp.renamed")
            st.rerun()
    others = [k for k in ranked["topic_key"].astype(str) if k != key]
    names = charts.topic_names(ranked)
    with right.form(f"pp_merge_form_{run_id}_{key}"):
        chosen = st.multiselect(
            t("pp.merge"), others, format_func=names.__getitem__, key=f"pp_merge_{run_id}_{key}"
        )
        st.caption(t("pp.merge_help"))
        if st.form_submit_button(t("pp.merge_save"), icon=":material/merge:"):
            if not chosen:
                st.error(t("pp.merge_none"))
            else:
                with transaction() as session:
                    merge_topics(session, run_id, key, chosen)
                    audit(
                        session,
                        user.username,
                        "topic.merge",
                        "topic",
                        key,
                        {"run_id": run_id, "merged": chosen},
                    )
                st.session_state["pp_notice"] = t("pp.merged", n=len(chosen))
                st.rerun()


def render_correction(run_id: int, key: str, members: pd.DataFrame) -> None:
    """A form to correct the category of one of the topic's items, the most typical offered first."""
    choices = members.sort_values("probability", ascending=False).head(MAX_ITEM_CHOICES)
    shown = {
        int(row.feedback_id): f"{str(row.text)[:90]} · {category_name(row.category) or t('pp.category.none')}"
        for row in choices.itertuples()
    }
    with st.form(f"pp_fix_form_{run_id}_{key}"):
        st.markdown(f"**{t('pp.fix_heading')}**")
        left, right = st.columns([3, 1])
        feedback_id = left.selectbox(
            t("pp.fix_item"), list(shown), format_func=shown.__getitem__, key=f"pp_fix_item_{run_id}_{key}"
        )
        category = right.selectbox(
            t("pp.fix_category"), CATEGORIES, format_func=category_name, key=f"pp_fix_cat_{run_id}_{key}"
        )
        st.caption(t("pp.fix_help"))
        if st.form_submit_button(t("pp.fix_save"), icon=":material/label:") and feedback_id is not None:
            write(
                lambda session: feedback_categories.correct_category(
                    session, int(feedback_id), str(category), user.username
                )
            )
            st.session_state["pp_notice"] = t("pp.fixed", category=category_name(category))
            st.rerun()


def render_open_item(key: str, row: pd.Series, items: pd.DataFrame) -> None:
    """The topic's items, and for editors a form to open one (or a link to the one worked on)."""
    assert selection is not None
    st.markdown(f"**{t('pp.item_heading')}**")
    existing = items[items["topic_key"] == key]
    if len(existing):
        st.caption(t("pp.item_existing", n=len(existing)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("pp.col.item_title"): existing["title"],
                    t("pp.col.owner"): existing["owner"],
                    t("pp.col.status"): [
                        t(f"items.status.{v}") if v in ITEM_STATUSES else str(v) for v in existing["status"]
                    ],
                    t("pp.col.due"): existing["due_on"],
                }
            ),
            hide_index=True,
        )
    if not can_edit:
        return
    with transaction() as session:
        product_items = list_product_items(session, selection.product_id)
    worked_on = product_items[(product_items["topic_key"] == key) & product_items["status"].isin(WORKED_ON)]
    if len(worked_on):  # one item per topic is worked on at a time: offer it instead of a second one
        offered = worked_on.iloc[0]
        st.info(
            t(
                "pp.item_offer",
                id=int(offered["id"]),
                title=plain(offered["title"]),
                round=plain(offered["round_name"]),
            )
        )
        if st.button(
            t("pp.item_go", id=int(offered["id"])), key=f"pp_item_go_{key}", icon=":material/arrow_forward:"
        ):
            st.session_state["items_pick_next"] = int(offered["id"])
            st.session_state[workspace.ROUND_KEY] = int(offered["round_id"])
            st.switch_page("views/items.py")
        return
    if selection.round_id and (existing["status"] != "carried_over").any():
        st.caption(t("pp.item_manage"))  # one item per topic and round: it is worked on there
        return
    with transaction() as session:
        rounds = [(r.id, r.name) for r in list_rounds(session, selection.product_id)]
    if not rounds:
        st.info(t("pp.item_no_round"))
        return
    baseline = round(float(row["share"]) * 100, 1)
    st.caption(t("pp.item_help", share=f"{baseline:.1f} %"))
    with st.form(f"pp_item_form_{key}", clear_on_submit=False):
        title = st.text_input(
            t("pp.item_title"),
            value=str(row["label"])[:200],
            max_chars=200,
            # A renamed topic prefills its new name: the key changes with the name.
            key=f"pp_item_title_{key}_{zlib.crc32(str(row['label']).encode())}",
        )
        left, right = st.columns(2)
        owner = left.text_input(t("pp.item_owner"), max_chars=80, key=f"pp_item_owner_{key}")
        metric = right.text_input(
            t("pp.item_metric"), value=t("pp.item_metric_default"), max_chars=80, key=f"pp_item_metric_{key}"
        )
        base = left.number_input(
            t("pp.item_baseline"), value=baseline, step=0.1, format="%.1f", key=f"pp_item_base_{key}"
        )
        target = right.number_input(
            t("pp.item_target"),
            value=round(baseline / 2, 1),
            step=0.1,
            format="%.1f",
            key=f"pp_item_target_{key}",
        )
        due = left.date_input(
            t("pp.item_due"), value=date.today() + timedelta(days=30), key=f"pp_item_due_{key}"
        )
        round_ids = [r[0] for r in rounds]
        round_id = selection.round_id
        if round_id is None:
            round_id = right.selectbox(
                t("pp.item_round"),
                round_ids,
                format_func=dict(rounds).__getitem__,
                key=f"pp_item_round_{key}",
            )
        if st.form_submit_button(t("pp.item_save"), type="primary", icon=":material/assignment_add:"):
            try:
                with transaction() as session:
                    stored = open_item(
                        session,
                        int(round_id),
                        NewItem(
                            title=title,
                            topic_key=key,
                            owner=owner,
                            metric=metric,
                            baseline=float(base),
                            target=float(target),
                            due_on=due if isinstance(due, date) else None,
                        ),
                        user.username,
                    )
                    item_id = stored.id
            except ItemError as err:
                st.error(t(f"items.error.{err.code}", id=err.item_id or "?"))
            else:
                st.session_state["pp_notice"] = t(
                    "pp.item_opened", id=item_id, round=dict(rounds)[int(round_id)]
                )
                st.rerun()


def render_topic(
    run_id: int,
    version: str,
    ranked: pd.DataFrame,
    items: pd.DataFrame,
    topics: pd.DataFrame,
    round_items: pd.DataFrame,
) -> None:
    """One picked topic in depth: its figures, quotes and breakdowns, edits for editors, and its items."""
    st.subheader(t("pp.drill_heading"))
    names = charts.topic_names(ranked)
    keys = ranked["topic_key"].astype(str).tolist()
    if st.session_state.get("pp_topic") not in keys:
        st.session_state["pp_topic"] = keys[0]
    key = st.selectbox(
        t("pp.pick_topic"),
        keys,
        format_func=lambda k: f"{names[k]} · {int(ranked.loc[ranked['topic_key'] == k, 'count'].iloc[0]):,}",
        key="pp_topic",
    )
    row = ranked[ranked["topic_key"] == key].iloc[0]
    members = items[items["topic_key"] == key]
    topic = topics[topics["key"] == key]
    keywords = topic["keywords"].iloc[0] if len(topic) else []
    st.markdown(f"### {plain(names[key])}")  # analysts name topics: shown as typed, never as Markdown
    st.caption(t("pp.keywords", words=plain(" · ".join(map(str, keywords or []))) or "—", topic=plain(key)))
    cols = st.columns(5)
    cols[0].metric(
        t("pp.col.count"), f"{int(row['count']):,}", help=t("pp.share_of_all", share=f"{row['share']:.1%}")
    )
    cols[1].metric(t("pp.col.respondents"), f"{int(row['respondents']):,}")
    cols[2].metric(
        t("pp.col.mean_rating"), "—" if pd.isna(row["mean_rating"]) else f"{row['mean_rating']:.2f}"
    )
    cols[3].metric(t("pp.col.priority"), f"{row['priority']:.3f}")
    cols[4].metric(
        t("pp.col.category"),
        category_name(row["category"]) or "—",
        help=None
        if pd.isna(row["category_share"])
        else t("pp.category_share", share=f"{row['category_share']:.0%}"),
    )
    terms = localised_terms(row["severity_terms"])
    st.caption(t("pp.severity_terms", terms=terms) if terms else t("pp.no_severity_terms"))
    render_quotes(run_id, version, key)
    render_breakdowns(members)
    if can_edit:
        with st.expander(t("pp.edit_heading"), icon=":material/edit_note:"):
            render_rename_merge(run_id, key, str(row["label"]), ranked)
            render_correction(run_id, key, members)
    render_open_item(key, row, round_items)


def load_round_items() -> pd.DataFrame:
    """The items of the selected round, or of every round of the product when all rounds are selected."""
    assert selection is not None
    with transaction() as session:
        ids = (
            [selection.round_id]
            if selection.round_id
            else [r.id for r in list_rounds(session, selection.product_id)]
        )
        frames = [list_items(session, round_id) for round_id in ids]
    return pd.concat(frames, ignore_index=True) if frames else list_items_empty()


def list_items_empty() -> pd.DataFrame:
    """An empty items frame with the columns this page reads, for a product without rounds."""
    return pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ("id", "topic_key", "title", "owner", "status", "due_on")}
    )


# ---------------------------------------------------------------------------------------------
# The page

render_finished()
notice = st.session_state.pop("pp_notice", None)
if notice:
    st.success(notice)
    st.toast(notice)

with transaction() as session:
    total = feedback_repo.count_feedback(session, selection.product_id, selection.round_id)
    run_id = topic_runs.scope_run_id(session, selection.product_id, selection.round_id)
    version = topic_runs.run_version(session, run_id) if run_id is not None else ""
    fit = (
        topic_runs.fit_status(session, selection.product_id, selection.round_id, run_id)
        if run_id is not None
        else None
    )
    is_latest = run_id is not None and run_id == latest_run_id(session, selection.product_id)

if total == 0 and run_id is None:
    st.info(t("pp.no_feedback"))
    st.stop()

if run_id is None:
    st.info(t("pp.explain", n=f"{total:,}"))
    if not can_edit:
        st.caption(t("pp.viewer_no_run"))
        st.stop()
    if total < SMALL_CORPUS:
        st.warning(t("pp.few_items", n=total))
    if total >= scale.threshold():
        st.warning(t("scale.too_large", n=f"{total:,}", limit=f"{scale.threshold():,}"))
        st.code(scale.batch_command(selection.product_name, selection.round_name), language="bash")
    render_settings()
    if st.button(t("pp.run"), type="primary", key="pp_run", icon=":material/travel_explore:"):
        run_analysis(incremental=False)
    st.stop()

assert fit is not None
bring_up_to_date(fit, is_latest)
items, topics, meta = run_data(database_url(), run_id, version)
unclustered = float(items["topic_key"].isna().mean()) if len(items) else 0.0
render_run_header(meta, unclustered, fit)
round_items = load_round_items()
render_weights()
anchor = render_trend_anchor(fit)
ranked = ranked_for(
    database_url(), run_id, version, weights_now(), int(st.session_state["pp_period_days"]), anchor
)
if ranked.empty:
    st.warning(t("pp.no_topics"))
    st.stop()
render_trend_note(ranked, items, anchor)
render_ranked(ranked, set(round_items["topic_key"].dropna().astype(str)))
render_charts(items, ranked)
st.divider()
render_topic(run_id, version, ranked, items, topics, round_items)

"""Model benchmarks: the same test cases before and after a fix, compared case by case.

A run is kept and can be recorded as model evidence on a rectification item.
"""

import math

import pandas as pd
import streamlit as st

from analytics import benchmark as bench
from analytics import reports
from analytics.benchmark_evidence import DIRECTIONS, METRICS, default_direction, in_target_units, metric_name
from analytics.evidence import ALPHAS, DEFAULT_ALPHA
from db import benchmarks as repo
from db.items import ItemError
from services import model_verification as benchmarks
from ui import nav
from ui.file_upload import file_uploader
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction

ctx = open_page(
    nav.BENCHMARKS, title_key="bench.title", intro_key="bench.intro", no_workspace_key="bench.no_product"
)
user, can_edit, lang, selection = ctx.user, ctx.can_edit, ctx.lang, ctx.selection
NONE = ""  # an optional column left out


def _optional(label_key: str, columns: list[str], key: str) -> str | None:
    """A selectbox of the file's columns with "(none)" first."""
    names = {c: c or t("bench.none") for c in [NONE, *columns]}  # once: AppTest formats outside the language
    choice = st.selectbox(t(label_key), list(names), format_func=names.__getitem__, key=key)
    return choice or None


def render_upload() -> None:
    """Upload a results file, choose its columns, compare and store the run."""
    assert selection is not None
    st.subheader(t("bench.upload_heading"))
    st.caption(t("bench.no_text_stored"))
    uploaded = file_uploader(
        t("bench.file"), ["csv", "tsv", "txt", "xlsx", "jsonl", "ndjson", "json"], "bench_file"
    )
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        frame = bench.read_results(data, uploaded.name)
    except bench.BenchmarkError as err:
        st.error(t("bench.error", reason=err.message(lang)))
        return
    columns = [str(c) for c in frame.columns]

    def guess(*names: str) -> int:
        lowered = [c.lower() for c in columns]
        return next((lowered.index(n) for n in names if n in lowered), 0)

    with st.form("bench_compare"):
        name = st.text_input(
            t("bench.name"), value=uploaded.name.rsplit(".", 1)[0], max_chars=200, key="bench_name"
        )
        left, middle, right = st.columns(3)
        label = left.selectbox(
            t("bench.label_column"), columns, index=guess("label", "true", "y"), key="bench_label"
        )
        before = middle.selectbox(
            t("bench.before_column"), columns, index=guess("before", "pred_before"), key="bench_before"
        )
        after = right.selectbox(
            t("bench.after_column"), columns, index=guess("after", "pred_after"), key="bench_after"
        )
        with left:
            case_id = _optional("bench.id_column", columns, "bench_id")
        slices = st.multiselect(t("bench.slice_columns"), columns, key="bench_slices")
        left, middle, right = st.columns(3)
        with left:
            score_before = _optional("bench.score_before_column", columns, "bench_score_before")
        with middle:
            score_after = _optional("bench.score_after_column", columns, "bench_score_after")
        positive = right.text_input(t("bench.positive_label"), key="bench_positive")
        left, right = st.columns(2)
        with left:
            latency_before = _optional("bench.latency_before_column", columns, "bench_latency_before")
        with right:
            latency_after = _optional("bench.latency_after_column", columns, "bench_latency_after")
        left, right = st.columns(2)
        resamples = left.number_input(
            t("bench.resamples"),
            min_value=100,
            max_value=20000,
            value=bench.RESAMPLES,
            step=100,
            key="bench_resamples",
        )
        seed = right.number_input(t("bench.seed"), min_value=0, value=bench.SEED, step=1, key="bench_seed")
        if not st.form_submit_button(t("bench.compare"), type="primary", icon=":material/compare:"):
            return
    chosen = bench.Columns(
        label=str(label),
        before=str(before),
        after=str(after),
        case_id=case_id,
        slices=tuple(slices),
        score_before=score_before,
        score_after=score_after,
        positive=positive.strip() or None,
        latency_before=latency_before,
        latency_after=latency_after,
    )
    try:
        with st.spinner(t("bench.comparing")):
            result = bench.compare(bench.prepare(frame, chosen), resamples=int(resamples), seed=int(seed))
        with transaction() as session:
            run_id = benchmarks.save_run(
                session,
                product_id=selection.product_id,
                round_id=selection.round_id or None,
                name=name,
                file_name=uploaded.name,
                columns=chosen,
                result=result,
                actor=user.username,
            )
    except bench.BenchmarkError as err:
        st.error(t("bench.error", reason=err.message(lang)))
        return
    except ItemError as err:
        st.error(t(f"items.error.{err.code}", id="?"))
        return
    st.session_state["bench_run"] = run_id
    st.session_state["bench_notice"] = t(
        "bench.saved", name=name.strip(), n=result.n, regressions=len(result.regressions)
    )
    st.rerun()


def _interval(metric: str, value: float, low: float, high: float) -> str:
    point = bench.figure(metric, value)
    if not (math.isfinite(low) and math.isfinite(high)):
        return point
    return f"{point} ({bench.figure(metric, low)}–{bench.figure(metric, high)})"


def _change(metric: str, diff: float, low: float, high: float) -> str:
    if not math.isfinite(diff):
        return "–"
    scale, unit = (1.0, " ms") if metric in bench.LATENCY_METRICS else (100.0, " pp")
    text = f"{scale * diff:+.1f}{unit}"
    if math.isfinite(low) and math.isfinite(high):
        text += f" ({scale * low:+.1f}, {scale * high:+.1f})"
    return text


def _p(value: float) -> str:
    return "–" if not math.isfinite(value) else ("< 0.001" if value < 0.001 else f"{value:.3f}")


def results_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The run's rows as the page shows them, in the user's language."""
    records = []
    for r in rows.to_dict("records"):
        metric = str(r["metric"])
        discordant = (
            f"{int(r['right_to_wrong'])} / {int(r['wrong_to_right'])}"
            if not pd.isna(r["right_to_wrong"])
            else ""
        )
        records.append(
            {
                t("bench.col.metric"): metric_name(metric, str(r["class"]), "", lang),
                t("bench.col.slice"): f"{r['slice_column']}: {r['slice']}"
                if r["slice_column"]
                else t("bench.all_cases"),
                t("bench.col.n"): int(r["n"]),
                t("bench.col.before"): _interval(
                    metric, r["before"], r["before_ci_low"], r["before_ci_high"]
                ),
                t("bench.col.after"): _interval(metric, r["after"], r["after_ci_low"], r["after_ci_high"]),
                t("bench.col.diff"): _change(metric, r["diff"], r["ci_low"], r["ci_high"]),
                t("bench.col.test"): str(r["test"]),
                t("bench.col.p"): _p(r["p_val"]),
                t("bench.col.p_adj"): _p(r["p_adj"]),
                t("bench.col.discordant"): discordant,
            }
        )
    return pd.DataFrame(records)


def render_run(run_id: int) -> pd.DataFrame:
    """A stored run: its results table, the test named, and the regressions. Returns its rows."""
    with transaction() as session:
        run = repo.run_row(session, run_id)
        caption = t(
            "bench.run_caption",
            n=run.n_cases,
            classes=", ".join(run.classes),
            resamples=run.resamples,
            seed=run.seed,
            by=run.created_by,
            at=selection.local_text(run.created_at),
        )
        fixed = run.fixed
        rows = repo.run_results(session, run_id)
        regressions = repo.run_regressions(session, run_id)
    st.caption(plain(caption))
    slices = [
        "",
        *sorted({f"{c}\u0000{v}" for c, v in zip(rows["slice_column"], rows["slice"], strict=True) if c}),
    ]
    labels = {
        "*": t("bench.all_slices"),
        **{s: t("bench.all_cases") if s == "" else s.replace("\u0000", ": ") for s in slices},
    }
    shown = st.selectbox(
        t("bench.slice_filter"), list(labels), format_func=labels.__getitem__, key="bench_slice_shown"
    )
    picked = (
        rows
        if shown == "*"
        else rows[(rows["slice_column"] + "\u0000" + rows["slice"]).str.strip("\u0000") == shown]
    )
    st.dataframe(results_table(picked), hide_index=True, width="stretch")
    st.caption(t("bench.method"))
    st.download_button(
        t("bench.download"),
        reports.to_csv_bytes(rows),
        file_name=f"benchmark_{run_id}.csv",
        mime="text/csv",
        key="bench_download",
        icon=":material/download:",
    )
    st.markdown(f"**{t('bench.regressions_heading', n=len(regressions))}**")
    st.caption(t("bench.fixed", n=fixed))
    if regressions.empty:
        st.caption(t("bench.regressions_none"))
    else:
        shown_regressions = regressions.rename(
            columns={c: t(f"bench.reg.{c}") for c in ("case_id", "label", "before", "after")}
        )
        st.dataframe(shown_regressions, hide_index=True, width="stretch")
        st.download_button(
            t("bench.download_regressions"),
            reports.to_csv_bytes(regressions),
            file_name=f"benchmark_{run_id}_regressions.csv",
            mime="text/csv",
            key="bench_download_regressions",
            icon=":material/download:",
        )
    return rows


def target_text(metric: str, value: float | None) -> str:
    """A target as typed: percent for proportions, ms for latency."""
    if value is None:
        return "–"
    return f"{value:g} ms" if metric in bench.LATENCY_METRICS else f"{value:g}%"


def render_record(run_id: int, rows: pd.DataFrame) -> None:
    """Record the run as evidence on an item, setting its model metric, baseline, target and direction."""
    assert selection is not None
    st.subheader(t("bench.record_heading"))
    st.caption(t("bench.record_intro"))
    with transaction() as session:
        items = [
            (
                i.id,
                i.title,
                i.bench_metric,
                i.bench_class,
                i.bench_slice_column,
                i.bench_slice,
                i.bench_baseline,
                i.bench_target,
                i.bench_direction,
            )
            for i in repo.items_with_model_targets(session, selection.product_id)
        ]
    if not items:
        st.info(t("bench.record_no_items"))
        return
    by_id = {i[0]: i for i in items}
    item_id = st.selectbox(
        t("bench.item"), list(by_id), format_func=lambda i: f"#{i} {by_id[i][1]}", key="bench_item"
    )
    item = by_id[int(item_id)]
    options = [
        (str(r["metric"]), str(r["class"]), str(r["slice_column"]), str(r["slice"]))
        for r in rows.to_dict("records")
        if r["metric"] in METRICS
    ]
    current = (item[2], item[3] or "", item[4] or "", item[5] or "")
    index = options.index(current) if current in options else 0
    with st.form(f"bench_record_{item_id}"):
        choice = st.selectbox(
            t("bench.metric_row"),
            range(len(options)),
            index=index,
            format_func=[metric_name(o[0], o[1], o[3], lang) for o in options].__getitem__,
            key=f"bench_metric_{item_id}",
        )
        metric, klass, slice_column, slice_value = options[int(choice)]
        left, middle, right = st.columns(3)
        baseline = left.number_input(
            t("bench.baseline"),
            value=float(item[6]) if item[6] is not None and current == options[int(choice)] else None,
            key=f"bench_baseline_{item_id}",
        )
        target = middle.number_input(
            t("bench.target"),
            value=float(item[7]) if item[7] is not None and current == options[int(choice)] else None,
            key=f"bench_target_{item_id}",
        )
        direction = right.selectbox(
            t("bench.direction"),
            DIRECTIONS,
            index=DIRECTIONS.index(item[8] or default_direction(metric)),
            format_func={d: t(f"bench.direction.{d}") for d in DIRECTIONS}.__getitem__,
            key=f"bench_direction_{item_id}",
        )
        alpha = left.selectbox(
            t("items.alpha"), ALPHAS, index=ALPHAS.index(DEFAULT_ALPHA), key=f"bench_alpha_{item_id}"
        )
        if not st.form_submit_button(t("bench.record"), icon=":material/fact_check:"):
            return
    match = rows[
        (rows["metric"] == metric)
        & (rows["class"] == klass)
        & (rows["slice_column"] == slice_column)
        & (rows["slice"] == slice_value)
    ]
    if baseline is None and not match.empty:  # the run's own "before" is the natural baseline
        baseline = round(in_target_units(metric, float(match.iloc[0]["before"])), 2)
    model_target = repo.ModelTarget(
        metric, klass, slice_column, slice_value, baseline, target, str(direction)
    )
    try:
        with transaction() as session:
            record = benchmarks.record_evidence(
                session, int(item_id), run_id, user.username, target=model_target, alpha=float(alpha)
            )
    except ItemError as err:
        st.error(t(f"items.error.{err.code}", id=item_id))
        return
    judgement = t(
        f"items.model_judgement.{record.judgement}",
        target=target_text(metric, target),
        alpha=record.alpha,
    )
    st.session_state["bench_notice"] = t("bench.recorded", id=item_id, judgement=judgement)
    st.rerun()


# ---------------------------------------------------------------------------------------------
# The page

notice = st.session_state.pop("bench_notice", None)
if notice:
    st.success(notice)
if can_edit:
    render_upload()
else:
    st.caption(t("bench.read_only"))
with transaction() as session:
    runs = repo.list_runs(session, selection.product_id)
if runs.empty:
    st.info(t("bench.runs_none"))
    st.stop()
names = {int(r.id): f"#{int(r.id)} {r.name}" for r in runs.itertuples()}
if st.session_state.get("bench_run") not in names:
    st.session_state["bench_run"] = next(iter(names))
run_id = int(st.selectbox(t("bench.run"), list(names), format_func=names.__getitem__, key="bench_run"))
rows = render_run(run_id)
if can_edit:
    render_record(run_id, rows)

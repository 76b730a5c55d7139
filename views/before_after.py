"""Before / after: did satisfaction change after the fixes? Tests, verdicts, charts, planner, topic, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from analytics import charts_verify, reports
from analytics.evidence import TopicEvidence
from analytics.pairing import Analysis
from analytics.planner import plan_next_wave
from analytics.survey_answers import MEASURES, MIN_ANSWERS, N_BOOT, SEED
from analytics.topic_outcome import keyword_mask, parse_keywords, topic_satisfaction, topic_share
from analytics.verdicts import RESULT_TONES, measure_label, test_name
from analytics.wave_compare import Comparison, compare_primary
from db import verify as repo
from db.engine import database_url
from db.items import list_items
from db.models import CATEGORIES
from db.users import audit
from ui import auth, nav, workspace
from ui.i18n import current_language, t
from ui.resources import transaction

user = auth.require_role(*nav.STAFF)
lang = current_language()
RESULT_ICONS = {
    "better": ":material/trending_up:",
    "worse": ":material/trending_down:",
    "unclear": ":material/trending_flat:",
    "not_tested": ":material/block:",
}
BOXES: dict[str, Callable[..., Any]] = {
    "success": st.success,
    "error": st.error,
    "info": st.info,
    "warning": st.warning,
}
st.session_state.setdefault("verify_dimensions", list(MEASURES))
st.session_state.setdefault("verify_segment", "")


@st.cache_data(ttl=60, max_entries=16, show_spinner=False)
def load_answers(url: str, wave_ids: tuple[int, ...], version: tuple[int, ...]) -> pd.DataFrame:
    """Answers of the waves; `url` and `version` (response counts) only key the cache."""
    with transaction() as session:
        return repo.wave_answers(session, list(wave_ids))


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def run_comparison(
    answers: pd.DataFrame, baseline: int, follow_up: int, dimensions: tuple[str, ...]
) -> Comparison:
    """The primary analysis (the documented rule decides paired or not) with its sensitivity check."""
    return compare_primary(answers, baseline=baseline, follow_up=follow_up, dimensions=dimensions)


def default_waves(waves: list[repo.WaveInfo]) -> tuple[int, int]:
    """The newest follow-up with answers and the newest baseline before it."""
    answered = [w for w in waves if w.responses] or waves
    follow = next((w for w in reversed(answered) if w.kind == "follow_up"), answered[-1])
    earlier = [
        w for w in answered if w.id != follow.id and (w.opens_on or date.min) <= (follow.opens_on or date.max)
    ]
    base = next(
        (w for w in reversed(earlier) if w.kind == "baseline"), earlier[-1] if earlier else answered[0]
    )
    if base.id == follow.id:
        base = next(w for w in waves if w.id != follow.id)
    return base.id, follow.id


def keep_valid(key: str, options: list[Any], default: Any) -> None:
    """Reset a widget's stored choice that is not among its options any more (another product or round)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def render_form(waves: list[repo.WaveInfo], segments: list[str]) -> None:
    ids = [w.id for w in waves]
    base_default, follow_default = default_waves(waves)
    keep_valid("verify_baseline", ids, base_default)
    keep_valid("verify_follow_up", ids, follow_default)
    keep_valid("verify_segment", ["", *segments], "")
    st.session_state["verify_dimensions"] = [
        d for d in st.session_state["verify_dimensions"] if d in MEASURES
    ]

    # Labels are resolved now, in the session's language: a format_func runs outside the script too.
    wave_option = {
        w.id: t("verify.wave_option", name=w.name, kind=t(f"wave.{w.kind}"), n=w.responses) for w in waves
    }
    segment_option = {s: s or t("verify.all_segments") for s in ["", *segments]}
    measure_option = {m: measure_label(m, lang) for m in MEASURES}

    with st.form("verify_form"):
        left, right = st.columns(2)
        left.selectbox(t("verify.baseline"), ids, format_func=wave_option.__getitem__, key="verify_baseline")
        right.selectbox(
            t("verify.follow_up"), ids, format_func=wave_option.__getitem__, key="verify_follow_up"
        )
        left.selectbox(
            t("verify.segment"),
            ["", *segments],
            format_func=segment_option.__getitem__,
            key="verify_segment",
        )
        st.multiselect(
            t("verify.dimensions"),
            list(MEASURES),
            format_func=measure_option.__getitem__,
            key="verify_dimensions",
        )
        st.form_submit_button(t("verify.compare"), type="primary", key="verify_compare")


def render_counts(
    results: pd.DataFrame, answers: pd.DataFrame, base: repo.WaveInfo, follow: repo.WaveInfo
) -> None:
    responded = answers.groupby("wave")["respondent_key"].nunique()
    n_base, n_follow = int(responded.get(base.id, 0)), int(responded.get(follow.id, 0))
    keys = [set(answers.loc[answers["wave"] == w, "respondent_key"].dropna()) for w in (base.id, follow.id)]
    columns = st.columns(3)
    columns[0].metric(t("verify.n_baseline"), n_base)
    columns[1].metric(t("verify.n_follow_up"), n_follow)
    columns[2].metric(t("verify.n_paired"), len(keys[0] & keys[1]))
    for wave, n in ((base, n_base), (follow, n_follow)):
        if n < MIN_ANSWERS:
            st.warning(t("verify.too_few", wave=wave.name, n=n, min=MIN_ANSWERS))


def render_analysis(analysis: Analysis) -> None:
    """Which analysis is primary and why; the other one is only ever a sensitivity check."""
    st.info(analysis.reason(lang), icon=":material/group:")


def render_verdict(row: pd.Series) -> None:
    """The verdict in the box of its result category (``analytics.verdicts.RESULT_TONES``)."""
    BOXES[RESULT_TONES[row["result"]]](row[f"verdict_{lang}"], icon=RESULT_ICONS[row["result"]])
    st.caption(row[f"sensitivity_{lang}"])


def render_verdicts(results: pd.DataFrame, analysis: Analysis) -> None:
    st.subheader(t("verify.verdicts"))
    st.caption(t("verify.describes", who=analysis.label(lang)))
    for _, row in results[results["kind"] != "top2box"].iterrows():
        render_verdict(row)
    shares = results[results["kind"] == "top2box"]
    if not shares.empty:
        with st.expander(t("verify.top_box_verdicts")):
            for _, row in shares.iterrows():
                render_verdict(row)
    # One line per caveat, naming the measures it concerns.
    concerns: dict[str, list[str]] = {}
    for _, row in results.iterrows():
        for caveat in row["warnings_zh" if lang == "zh" else "warnings"]:
            concerns.setdefault(caveat, []).append(row[f"label_{lang}"])
    if concerns:
        st.markdown(f"**{t('verify.caveats')}**")
        separator = "、" if lang == "zh" else ", "
        st.warning(
            "\n".join(f"- **{separator.join(labels)}**: {caveat}" for caveat, labels in concerns.items())
        )


def render_charts(charts: dict[str, Any], analysis: Analysis) -> None:
    st.subheader(t("verify.charts"))
    st.caption(t("verify.describes", who=analysis.label(lang)))
    names = ["distribution", "means", "difference", "nps"]
    for tab, name in zip(st.tabs([t(f"verify.tab.{n}") for n in names]), names, strict=True):
        with tab:
            if name in charts:
                st.altair_chart(charts[name], width="stretch")
            else:
                st.caption(t("verify.no_chart"))


def _fmt(value: float, kind: str) -> str:
    if pd.isna(value):
        return "–"
    return (
        f"{100 * value:.0f}%" if kind == "top2box" else f"{value:+.0f}" if kind == "nps" else f"{value:.2f}"
    )


def _fmt_change(row: pd.Series) -> str:
    if row["status"] != "ok" or pd.isna(row["diff"]):
        return "–"
    scale, digits, unit = {"top2box": (100, 0, " pp"), "nps": (1, 0, "")}.get(row["kind"], (1, 2, ""))

    def signed(v: float) -> str:
        return "n/a" if pd.isna(v) else f"{scale * v:+.{digits}f}"

    return f"{signed(row['diff'])}{unit} ({signed(row['diff_ci_low'])}, {signed(row['diff_ci_high'])})"


def _fmt_p(p: float) -> str:
    return "–" if pd.isna(p) else "< 0.001" if p < 0.001 else f"{p:.3f}"


def render_table(results: pd.DataFrame, analysis: Analysis) -> None:
    st.subheader(t("verify.table"))
    st.caption(t("verify.describes", who=analysis.label(lang)))
    rows = []
    for _, r in results.iterrows():
        paired = r["analysis"] == "paired"
        effect = "–"
        if r["status"] == "ok" and not pd.isna(r["effect_size"]):
            effect = f"{r['effect_size_kind']} {r['effect_size']:+.2f}"
            if not (pd.isna(r["es_ci_low"]) or pd.isna(r["es_ci_high"])):
                effect += f" ({r['es_ci_low']:+.2f}, {r['es_ci_high']:+.2f})"
        stat = "–" if pd.isna(r["statistic"]) else f"{r['statistic_name']} = {r['statistic']:.4g}"
        rows.append(
            {
                t("verify.col.measure"): r[f"label_{lang}"],
                t("verify.col.result"): t(f"verify.result.{r['result']}"),
                t("verify.col.before"): _fmt(r["mean_before"], r["kind"]),
                t("verify.col.after"): _fmt(r["mean_after"], r["kind"]),
                t("verify.col.change"): _fmt_change(r),
                t("verify.col.p_adj"): _fmt_p(r["p_adj"]),
                t("verify.col.p"): _fmt_p(r["p_val"]),
                t("verify.col.test"): test_name(r["test"], lang) if r["test"] else "–",
                t("verify.col.statistic"): stat,
                t("verify.col.analysis"): t(f"verify.analysis.{r['analysis']}") if r["analysis"] else "–",
                t("verify.col.n"): f"{r['n_paired']}" if paired else f"{r['n_before']} / {r['n_after']}",
                t("verify.col.effect"): effect,
                t("verify.col.detectable"): _fmt(abs(r["detectable_change"]), r["kind"]),
                t("verify.col.warnings"): "; ".join(r["warnings_zh" if lang == "zh" else "warnings"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    render_sensitivity(results, analysis)


def render_sensitivity(results: pd.DataFrame, analysis: Analysis) -> None:
    """The other analysis beside the primary one: shown, never swapped in."""
    with st.expander(t("verify.sensitivity", who=analysis.alternative_label(lang))):
        st.caption(t("verify.sensitivity_intro"))
        shown = pd.DataFrame(
            {
                t("verify.col.measure"): results[f"label_{lang}"],
                t("verify.col.before"): [
                    _fmt(v, k) for v, k in zip(results["sensitivity_before"], results["kind"], strict=True)
                ],
                t("verify.col.after"): [
                    _fmt(v, k) for v, k in zip(results["sensitivity_after"], results["kind"], strict=True)
                ],
                t("verify.col.p_adj"): [_fmt_p(p) for p in results["sensitivity_p_adj"]],
                t("verify.col.test"): [
                    test_name(str(x).rsplit(" (", 1)[0], lang) if x else "–"
                    for x in results["sensitivity_test"]
                ],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")


def render_method(results: pd.DataFrame) -> None:
    with st.container(border=True):
        st.markdown(f"**{t('verify.method')}**")
        pairing = dict.fromkeys(p for p in results[f"pairing_{lang}"] if p)
        lines = [
            *pairing,
            t("verify.method.ordinal"),
            t("verify.method.shares", n_boot=N_BOOT, seed=SEED),
            t("verify.method.adjust"),
            t("verify.method.not_significant"),
            t("verify.method.causation"),
        ]
        st.markdown("\n".join(f"- {line}" for line in lines))


def render_planner(
    answers: pd.DataFrame, base: repo.WaveInfo, follow: repo.WaveInfo, dims: list[str]
) -> pd.DataFrame:
    st.subheader(t("verify.plan"))
    st.caption(t("verify.plan_intro"))
    with st.form("verify_plan_form"):
        left, right = st.columns(2)
        likert = left.number_input(
            t("verify.plan_likert"),
            min_value=0.05,
            max_value=2.0,
            value=0.3,
            step=0.05,
            key="verify_plan_likert",
        )
        nps = right.number_input(
            t("verify.plan_nps"), min_value=1.0, max_value=100.0, value=10.0, step=1.0, key="verify_plan_nps"
        )
        st.form_submit_button(t("verify.plan_submit"), key="verify_plan_submit")
    plan = plan_next_wave(
        answers,
        baseline=base.id,
        follow_up=follow.id,
        dimensions=dims,
        likert_change=float(likert),
        nps_change=float(nps),
    )
    shown = pd.DataFrame(
        {
            t("verify.col.measure"): plan[f"label_{lang}"],
            t("verify.plan.current"): plan["n_baseline"],
            t("verify.plan.sd"): plan["sd"].round(2),
            t("verify.plan.per_wave"): plan["n_per_wave"].astype("Int64"),
            t("verify.plan.correlation"): plan["correlation"].round(2),
            t("verify.plan.pairs"): plan["n_pairs"].astype("Int64"),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    for note in dict.fromkeys(n for n in plan[f"note_{lang}"] if n):
        st.caption(note)
    return plan


def _topic_defaults(
    rnd: repo.RoundInfo | None, items: pd.DataFrame | None, base: repo.WaveInfo, follow: repo.WaveInfo
) -> tuple[date, date, date]:
    """Before starts with the round (or the baseline), the fix at the first item due, after ends with the follow-up."""
    first = (
        (rnd.starts_on if rnd and rnd.starts_on else None)
        or base.opens_on
        or date.today() - timedelta(days=90)
    )
    last = (
        follow.closes_on + timedelta(days=1)
        if follow.closes_on
        else (rnd.ends_on if rnd and rnd.ends_on else date.today())
    )
    due = [
        d
        for d in (items["due_on"] if items is not None and not items.empty else [])
        if d and first < d < last
    ]
    middle = first + (last - first) / 2
    if base.closes_on and follow.opens_on and base.closes_on < follow.opens_on:
        middle = base.closes_on + (follow.opens_on - base.closes_on) / 2
    return first, min(due) if due else middle, last


def render_topic(
    selection: workspace.Selection,
    answers: pd.DataFrame,
    base: repo.WaveInfo,
    follow: repo.WaveInfo,
    analysis: Analysis,
) -> dict[str, Any] | None:
    st.subheader(t("verify.topic"))
    st.caption(t("verify.topic_intro"))
    with transaction() as session:
        # The compared round's own analysis (or the one over all rounds), never another round's.
        run, topics, _ = repo.round_topics(session, selection.product_id, follow.round_id, lang)
        categorised = repo.has_categories(session, selection.product_id)
        rnd = repo.round_info(session, follow.round_id)
        items = list_items(session, follow.round_id)
    if run is None or topics.empty:
        st.info(t("verify.topic.no_run", round=follow.round_name))
    elif run.round_id is None:
        st.caption(
            t("verify.topic.all_rounds_run", round=follow.round_name, day=f"{run.created_at:%Y-%m-%d}")
        )
    sources = [
        *(["topic"] if run and not topics.empty else []),
        *(["category"] if categorised else []),
        "keywords",
    ]
    source = st.radio(
        t("verify.topic.source"),
        sources,
        format_func={s: t(f"verify.topic.source.{s}") for s in sources}.__getitem__,
        horizontal=True,
        key="verify_topic_source",
    )
    start_default, fix_default, end_default = _topic_defaults(rnd, items, base, follow)
    suffix = f"{base.id}_{follow.id}"
    likert_measures = [m for m in MEASURES if m != "nps"]
    with st.form("verify_topic_form"):
        if source == "topic":
            labels = dict(zip(topics["key"], topics["label"], strict=True))
            sizes = dict(zip(topics["key"], topics["size"], strict=True))
            chosen = st.selectbox(
                t("verify.topic.pick_topic"),
                list(labels),
                format_func={
                    k: t("verify.topic.topic_option", label=labels[k], size=sizes[k]) for k in labels
                }.__getitem__,
                key="verify_topic_key",
            )
        elif source == "category":
            chosen = st.selectbox(
                t("verify.topic.pick_category"),
                list(CATEGORIES),
                format_func={c: t(f"verify.category.{c}") for c in CATEGORIES}.__getitem__,
                key="verify_topic_category",
            )
        else:
            chosen = st.text_input(
                t("verify.topic.keywords"),
                placeholder=t("verify.topic.keywords_placeholder"),
                key="verify_topic_keywords",
            )
        c1, c2, c3 = st.columns(3)
        start = c1.date_input(
            t("verify.topic.period_start"), value=start_default, key=f"verify_topic_start_{suffix}"
        )
        fix = c2.date_input(t("verify.topic.fix_date"), value=fix_default, key=f"verify_topic_fix_{suffix}")
        end = c3.date_input(t("verify.topic.period_end"), value=end_default, key=f"verify_topic_end_{suffix}")
        measure = st.selectbox(
            t("verify.topic.measure"),
            likert_measures,
            index=likert_measures.index("csat"),
            format_func={m: measure_label(m, lang) for m in likert_measures}.__getitem__,
            key="verify_topic_measure",
        )
        if st.form_submit_button(t("verify.topic.submit"), key="verify_topic_submit"):
            st.session_state["verify_topic_asked"] = True
    if not st.session_state.get("verify_topic_asked"):
        return None
    if source == "keywords" and not parse_keywords(str(chosen or "")):
        st.info(t("verify.topic.need_keywords"))
        return None
    if not (
        isinstance(start, date) and isinstance(fix, date) and isinstance(end, date) and start < fix < end
    ):
        st.error(t("verify.topic.bad_dates"))
        return None
    left = repo.NotCounted()
    with transaction() as session:
        if source == "topic" and run is not None:
            # Only what the run analysed of this round counts; the rest is named for what it is.
            feedback, left = repo.round_topic_feedback(
                session, selection.product_id, follow.round_id, run, start, end
            )
        else:
            feedback = repo.feedback_frame(
                session, selection.product_id, start, end, with_text=source == "keywords"
            )
    if source == "topic":
        day = f"{run.created_at:%Y-%m-%d %H:%M}" if run else ""
        for key, n in (
            ("later", left.later),
            ("other_rounds", left.other_rounds),
            ("left_out", left.left_out),
        ):
            if n:
                st.caption(t(f"verify.topic.not_counted.{key}", n=n, round=follow.round_name, day=day))
        mask, name = feedback["topic_key"] == chosen, str(labels[chosen])
    elif source == "category":
        mask, name = feedback["category"] == chosen, t(f"verify.category.{chosen}")
    else:
        mask, name = (
            keyword_mask(feedback["text"], str(chosen)),
            ", ".join(parse_keywords(str(chosen))),
        )
    outcome = topic_share(
        feedback, mask.fillna(False).astype(bool), before=(start, fix), after=(fix, end), topic=name
    )
    left, right = st.columns(2)
    for column, side in ((left, "before"), (right, "after")):
        share = outcome[f"share_{side}"]
        column.metric(
            t(f"verify.topic.share_{side}"),
            "–" if pd.isna(share) else f"{100 * share:.1f}%",
            help=t("verify.topic.items", k=outcome[f"k_{side}"], n=outcome[f"n_{side}"]),
        )
    (st.success if outcome["significant"] else st.info)(outcome[f"verdict_{lang}"])
    st.caption(t("verify.topic.caveat"))

    st.markdown(f"**{t('verify.topic.satisfaction')}**")
    mentioned = set(feedback.loc[mask.fillna(False).astype(bool), "respondent_key"].dropna())
    answered = mentioned & set(answers["respondent_key"].dropna())
    st.caption(t("verify.topic.mentioners", n=len(mentioned), answered=len(answered)))
    satisfaction = topic_satisfaction(
        answers,
        sorted(mentioned),
        baseline=base.id,
        follow_up=follow.id,
        measure=str(measure),
        paired=analysis.paired,
    )
    for _, row in satisfaction.iterrows():
        group = t(f"verify.topic.group.{row['group']}")
        st.markdown(f"- **{group}**{'：' if lang == 'zh' else ': '}{row[f'verdict_{lang}']}")
    return outcome


def record_export(kind: str, detail: dict[str, Any]) -> None:
    """Audit one download (a download-button callback)."""
    with transaction() as session:
        audit(
            session,
            user.username,
            "export.before_after",
            "product",
            detail["product_id"],
            {**detail, "format": kind},
        )


def render_exports(
    selection: workspace.Selection,
    comparison: Comparison,
    plan: pd.DataFrame,
    charts: dict[str, Any],
    base: repo.WaveInfo,
    follow: repo.WaveInfo,
    segment: str,
    topic_outcome: dict[str, Any] | None,
) -> None:
    st.subheader(t("verify.export"))
    st.caption(t("verify.export.audited"))
    results, analysis = comparison.results, comparison.analysis
    detail = {
        "product_id": selection.product_id,
        "round_id": follow.round_id,
        "baseline": base.id,
        "follow_up": follow.id,
        "segment": segment,
        "lang": lang,
        "measures": list(results["measure"].unique()),
    }
    stem = f"before-after-{base.id}-{follow.id}{'-' + segment if segment else ''}"
    table = reports.results_table(results, lang)
    scope = pd.DataFrame(
        {
            "field": ["product", "round", "baseline", "follow_up", "segment", "respondents", "analysis"],
            "value": [
                selection.product_name,
                follow.round_name,
                base.name,
                follow.name,
                segment or "all",
                analysis.label(lang),
                analysis.reason(lang),
            ],
        }
    )
    plan_table = plan.drop(columns=[c for c in plan.columns if c.endswith("_zh" if lang == "en" else "_en")])
    left, middle, right = st.columns(3)
    left.download_button(
        t("verify.export.csv"),
        reports.to_csv_bytes(table),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="verify_dl_csv",
        on_click=record_export,
        args=("csv", detail),
        icon=":material/download:",
    )
    middle.download_button(
        t("verify.export.xlsx"),
        reports.to_xlsx_bytes(
            {t("verify.table"): table, t("verify.sheet.plan"): plan_table, t("verify.sheet.context"): scope}
        ),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="verify_dl_xlsx",
        on_click=record_export,
        args=("xlsx", detail),
        icon=":material/download:",
    )
    signature = (
        base.id,
        follow.id,
        segment,
        tuple(results["measure"]),
        lang,
    )
    if right.button(t("verify.export.prepare"), key="verify_prepare", icon=":material/slideshow:"):
        with transaction() as session:
            # The compared round's pain points, counted over the round's own analysed feedback.
            run, topics, analysed = repo.round_topics(session, selection.product_id, follow.round_id, lang)
            items = list_items(session, follow.round_id)
        pain_points, pain_scope = None, ""
        if run is not None and not topics.empty:
            pain_points = topics.assign(share=topics["size"] / max(analysed, 1))[["label", "size", "share"]]
            pain_scope = t("verify.export.pain_scope", round=follow.round_name, n=analysed)
        with st.spinner(t("verify.export.preparing")):
            images = reports.chart_images(charts)
            report = reports.ReviewReport(
                product=selection.product_name,
                round_name=follow.round_name,
                baseline_name=base.name,
                follow_up_name=follow.name,
                results=results,
                lang=lang,
                segment=segment,
                charts=images,
                pain_points=pain_points,
                items=items,
                topic_outcomes=(
                    [TopicEvidence.from_dict(topic_outcome)]
                    if topic_outcome and topic_outcome["status"] == "ok"
                    else []
                ),
                analysis=analysis,
                pain_points_scope=pain_scope,
            )
            st.session_state["verify_export"] = {
                "signature": signature,
                "deck": reports.build_deck(report),
                "charts": reports.charts_zip(images),
            }
        st.toast(t("verify.export.ready"))
    ready = st.session_state.get("verify_export")
    if ready and ready["signature"] == signature:
        left, middle, _ = st.columns(3)
        left.download_button(
            t("verify.export.deck"),
            ready["deck"],
            file_name=f"{stem}.pptx",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="verify_dl_deck",
            on_click=record_export,
            args=("pptx", detail),
            icon=":material/download:",
        )
        middle.download_button(
            t("verify.export.charts"),
            ready["charts"],
            file_name=f"{stem}-charts.zip",
            mime="application/zip",
            key="verify_dl_charts",
            on_click=record_export,
            args=("charts", detail),
            icon=":material/download:",
        )


st.title(t("verify.title"))
st.caption(t("verify.intro"))
selection = workspace.current()
if selection is None:
    st.info(t("verify.no_product"))
    st.stop()

with transaction() as session:
    waves = repo.list_waves(session, selection.product_id, selection.round_id)
    if len(waves) < 2 and selection.round_id is not None:
        in_round = len(waves)
        waves = repo.list_waves(session, selection.product_id)
        if len(waves) >= 2:
            st.info(t("verify.round_fallback", n=in_round))
    segments = repo.wave_segments(session, [w.id for w in waves])
if len(waves) < 2:
    st.info(t("verify.no_waves"))
    st.stop()

render_form(waves, segments)
by_id = {w.id: w for w in waves}
base, follow = by_id[st.session_state["verify_baseline"]], by_id[st.session_state["verify_follow_up"]]
segment = st.session_state["verify_segment"]
dims = [d for d in MEASURES if d in st.session_state["verify_dimensions"]]
if base.id == follow.id:
    st.error(t("verify.same_wave"))
    st.stop()
if not dims:
    st.info(t("verify.no_dimensions"))
    st.stop()

answers = load_answers(database_url(), (base.id, follow.id), (base.responses, follow.responses))
if segment:
    answers = answers[answers["segment"] == segment].reset_index(drop=True)
comparison = run_comparison(answers, base.id, follow.id, tuple(dims))
results, analysis = comparison.results, comparison.analysis
# The charts show the respondents the verdicts describe (paired: only the matched ones).
charts = charts_verify.standard_charts(
    comparison.answers,
    results,
    baseline=base.id,
    follow_up=follow.id,
    wave_names={base.id: base.name, follow.id: follow.name},
    lang=lang,
    respondents=analysis.label(lang),
)

render_counts(results, answers, base, follow)
render_analysis(analysis)
render_verdicts(results, analysis)
render_method(results)
render_charts(charts, analysis)
render_table(results, analysis)
plan = render_planner(answers, base, follow, dims)
topic_outcome = render_topic(selection, answers, base, follow, analysis)
render_exports(selection, comparison, plan, charts, base, follow, segment, topic_outcome)

"""Before / after: did satisfaction change after the fixes? Tests, verdicts, charts, planner, topic, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics import charts_verify, reports
from analytics.pairing import Analysis, count_respondents
from analytics.planner import plan_next_wave
from analytics.questions import QuestionSpec, dimension_label
from analytics.results_workbook import results_workbook
from analytics.survey_answers import MIN_ANSWERS, N_BOOT, SEED
from analytics.topic_outcome import parse_keywords
from analytics.verdicts import RESULT_TONES, SHARE_KINDS, test_name
from analytics.vocabulary import CATEGORIES
from analytics.wave_compare import Comparison
from db.engine import database_url
from db.waves import WaveInfo
from services import user_list, verification
from ui import nav, roles, workspace
from ui.auth import guarded
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction

ctx = open_page(
    nav.BEFORE_AFTER, title_key="verify.title", intro_key="verify.intro", no_workspace_key="verify.no_product"
)
user, lang, selection = ctx.user, ctx.lang, ctx.selection
RESULT_ICONS = {
    "better": ":material/trending_up:",
    "worse": ":material/trending_down:",
    "changed": ":material/swap_horiz:",
    "unclear": ":material/trending_flat:",
    "not_tested": ":material/block:",
}
BOXES: dict[str, Callable[..., Any]] = {
    "success": st.success,
    "error": st.error,
    "info": st.info,
    "warning": st.warning,
}
st.session_state.setdefault("verify_segment", "")


@st.cache_data(ttl=60, max_entries=16, show_spinner=False)
def load_answers(url: str, wave_ids: tuple[int, ...], version: tuple[int, ...], segment: str) -> pd.DataFrame:
    """Answers of the waves (of the segment); `url` and `version` (response counts) only key the cache."""
    with transaction() as session:
        return verification.wave_answers(session, wave_ids, segment)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def run_comparison(
    answers: pd.DataFrame,
    baseline: int,
    follow_up: int,
    questions: tuple[QuestionSpec, ...],
    families: tuple[tuple[str, str], ...],
) -> Comparison:
    """The primary analysis (the documented rule decides paired or not) with its sensitivity check."""
    return verification.compare(answers, baseline, follow_up, questions, dict(families))


def keep_valid(key: str, options: list[Any], default: Any) -> None:
    """Reset a widget's stored choice that is not among its options any more (another product or round)."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def render_form(waves: list[WaveInfo], segments: list[str], questions: tuple[QuestionSpec, ...]) -> None:
    """The comparison's choices: which waves, questions, segment and analysis options."""
    ids = [w.id for w in waves]
    codes = [q.code for q in questions]
    keep_valid("verify_segment", ["", *segments], "")
    # Every question both waves ask, until the user leaves some out; another pair of waves starts over.
    pair = (st.session_state["verify_baseline"], st.session_state["verify_follow_up"])
    if st.session_state.get("verify_questions_of") != pair:
        st.session_state["verify_questions_of"] = pair
        st.session_state["verify_questions"] = codes
    st.session_state["verify_questions"] = [c for c in st.session_state["verify_questions"] if c in codes]

    # Labels are resolved now, in the session's language: a format_func runs outside the script too.
    wave_option = {
        w.id: t("verify.wave_option", name=w.name, kind=t(f"wave.{w.kind}"), n=w.responses) for w in waves
    }
    segment_option = {s: s or t("verify.all_segments") for s in ["", *segments]}
    question_option = {q.code: q.text(lang) for q in questions}

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
            codes,
            format_func=question_option.__getitem__,
            key="verify_questions",
        )
        st.form_submit_button(t("verify.compare"), type="primary", key="verify_compare")


def render_comparability(comparable: verification.Comparable) -> None:
    """Which questions the two waves cannot be compared on, and why."""
    separator = "、" if lang == "zh" else ", "
    if comparable.asked_differently:
        listed = separator.join(f"{plain(code)} ({why})" for code, why in comparable.asked_differently)
        st.warning(t("verify.asked_differently", questions=listed))
    if comparable.only_one:
        st.caption(t("verify.only_one", questions=plain(separator.join(comparable.only_one))))


def family_name(family: str, labels: list[str]) -> str:
    """A family as the reader knows it: its dimension, its question, or the name the team gave it."""
    kind, _, key = family.partition(":")
    if not key:
        return family  # a name the team gave
    if kind == "scale":
        return dimension_label(key, lang) or key
    return labels[0].split(" — ")[0]  # one question (or one multiple choice's options)


def render_families(results: pd.DataFrame) -> None:
    """The families the p-values were adjusted in, named as the reader knows them."""
    primary = results[results["kind"] != "top2box"]
    groups: dict[str, list[str]] = {}
    for family, label in zip(primary["family"], primary[f"label_{lang}"], strict=True):
        groups.setdefault(str(family), []).append(str(label))
    with st.expander(t("verify.families")):
        st.caption(t("verify.families_help"))
        separator = "；" if lang == "zh" else "; "
        colon = "：" if lang == "zh" else ": "
        st.markdown(
            "\n".join(
                f"- **{family_name(family, labels)}**{colon}{separator.join(labels)}"
                for family, labels in groups.items()
            )
        )


def render_counts(answers: pd.DataFrame, base: WaveInfo, follow: WaveInfo) -> None:
    """How many answered each wave and how many answered both, in the chosen analysis."""
    counts = count_respondents(answers, baseline=base.id, follow_up=follow.id)
    columns = st.columns(3)
    columns[0].metric(t("verify.n_baseline"), counts.baseline)
    columns[1].metric(t("verify.n_follow_up"), counts.follow_up)
    columns[2].metric(t("verify.n_paired"), counts.both)
    for wave, n in ((base, counts.baseline), (follow, counts.follow_up)):
        if n < MIN_ANSWERS:
            st.warning(t("verify.too_few", wave=plain(wave.name), n=n, min=MIN_ANSWERS))


def render_analysis(analysis: Analysis) -> None:
    """Which analysis is primary and why; the other one is only ever a sensitivity check."""
    st.info(analysis.reason(lang), icon=":material/group:")


def render_verdict(row: pd.Series) -> None:
    """The verdict in the box of its result category (``analytics.verdicts.RESULT_TONES``)."""
    BOXES[RESULT_TONES[row["result"]]](row[f"verdict_{lang}"], icon=RESULT_ICONS[row["result"]])
    st.caption(row[f"sensitivity_{lang}"])


def render_verdicts(results: pd.DataFrame, analysis: Analysis) -> None:
    """One box per measure with its result sentence, coloured by the result category."""
    st.subheader(t("verify.verdicts"))
    st.caption(t("verify.describes", who=analysis.label(lang)))
    is_option = results["question"].astype(str).str.contains(":", regex=False)
    for _, row in results[(results["kind"] != "top2box") & ~is_option].iterrows():
        render_verdict(row)
    options_of = results[is_option]
    for _, options in options_of.groupby(
        options_of["question"].astype(str).str.split(":").str[0], sort=False
    ):
        # "Select all that apply." or "？" and then the string's own colon read badly: the end stop goes.
        question = str(options[f"label_{lang}"].iloc[0]).split(" — ")[0].rstrip(" .。?？!！:：")
        with st.expander(t("verify.option_verdicts", question=plain(question))):
            for _, row in options.iterrows():
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
        # English measure names hold commas ("Accuracy, share of answers ≥ 4"): a semicolon between them.
        separator, colon = ("、", "：") if lang == "zh" else ("; ", ": ")
        st.warning(
            "\n".join(f"- **{separator.join(labels)}**{colon}{caveat}" for caveat, labels in concerns.items())
        )


def render_charts(charts: dict[str, Any], analysis: Analysis) -> None:
    """The before/after charts, captioned with the respondents they describe."""
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
        f"{100 * value:.0f}%" if kind in SHARE_KINDS else f"{value:+.0f}" if kind == "nps" else f"{value:.2f}"
    )


def _fmt_change(row: pd.Series) -> str:
    if row["status"] != "ok" or pd.isna(row["diff"]):
        return "–"
    scale, digits, unit = {"top2box": (100, 0, " pp"), "share": (100, 0, " pp"), "nps": (1, 0, "")}.get(
        row["kind"], (1, 2, "")
    )

    def signed(v: float) -> str:
        if pd.isna(v):
            return "n/a"
        x = round(scale * v, digits) + 0.0  # rounds to zero: 0, never "-0"
        return f"{x:+.{digits}f}" if x else f"{x:.{digits}f}"

    return f"{signed(row['diff'])}{unit} ({signed(row['diff_ci_low'])}, {signed(row['diff_ci_high'])})"


def _fmt_p(p: float) -> str:
    return "–" if pd.isna(p) else "< 0.001" if p < 0.001 else f"{p:.3f}"


def render_table(results: pd.DataFrame, analysis: Analysis) -> None:
    """The full results table: tests, effect sizes, intervals and adjusted p-values."""
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
    # The name column wide enough for a survey's own wording ("Which features ... — Lab reports").
    measure = st.column_config.TextColumn(width="large")
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch", column_config={t("verify.col.measure"): measure}
    )
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


def render_weighted(
    results: pd.DataFrame, answers: pd.DataFrame, base: WaveInfo, follow: WaveInfo
) -> user_list.WeightedComparison | None:
    """Weighted to the user list, beside the unweighted figures; nothing when the product has no list."""
    with transaction() as session:
        weighted = user_list.weighted_comparison(
            session, selection.product_id, results, answers, base.id, follow.id
        )
    if weighted is None:
        return None
    st.subheader(t("weighted.title"))
    st.caption(t("weighted.intro", by=plain(", ".join(weighted.by))))
    if weighted.rows.empty:
        problem = weighted.before.problem or weighted.after.problem
        st.warning(t("weighted.failed", problem=plain(problem)))
        return weighted
    eff = [
        side.weights.effective_n if side.weights else float("nan")
        for side in (weighted.before, weighted.after)
    ]
    st.caption(
        t(
            "weighted.unweighted_counts",
            before=weighted.before.not_in_list,
            after=weighted.after.not_in_list,
            eff_before=f"{eff[0]:.1f}",
            eff_after=f"{eff[1]:.1f}",
        )
    )
    rows = []
    for r, w in zip(results.to_dict("records"), weighted.rows.to_dict("records"), strict=True):
        rows.append(
            {
                t("weighted.col.measure"): r[f"label_{lang}"],
                t("weighted.col.before"): _fmt(r["mean_before"], r["kind"]),
                t("weighted.col.after"): _fmt(r["mean_after"], r["kind"]),
                t("weighted.col.w_before"): _fmt(w["w_mean_before"], r["kind"]),
                t("weighted.col.w_after"): _fmt(w["w_mean_after"], r["kind"]),
                t("weighted.col.w_p"): _fmt_p(w["w_p_adj"]),
                t("weighted.col.result"): t(f"weighted.result.{r['result']}"),
                t("weighted.col.w_result"): t(f"weighted.result.{w['w_result']}"),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    disagreements = [d for d in weighted.rows[f"disagreement_{lang}"] if d]
    for sentence in disagreements:
        st.warning(plain(sentence))
    if not disagreements:
        st.caption(t("weighted.agree"))
    return weighted


def who_answered_slide(
    weighted: user_list.WeightedComparison | None, follow: WaveInfo
) -> reports.WhoAnsweredSlide | None:
    """The deck's "Who answered" slide of the follow-up wave, when the product has a user list."""
    if weighted is None:
        return None
    after = weighted.after
    return reports.WhoAnsweredSlide(
        wave=follow.name,
        shares=after.shares,
        matched=after.matched,
        not_in_list=after.not_in_list,
        design_effect=after.weights.design_effect if after.weights else float("nan"),
        effective_n=after.weights.effective_n if after.weights else float("nan"),
    )


def render_method(results: pd.DataFrame) -> None:
    """How each result was tested, and the caveats the results carry."""
    with st.container(border=True):
        st.markdown(f"**{t('verify.method')}**")
        pairing = dict.fromkeys(p for p in results[f"pairing_{lang}"] if p)
        lines = [
            *pairing,
            t("verify.method.ordinal"),
            t("verify.method.shares", n_boot=N_BOOT, seed=SEED),
            *([t("verify.method.choices")] if results["kind"].isin(["choice", "number"]).any() else []),
            t("verify.method.adjust"),
            t("verify.method.not_significant"),
            t("verify.method.causation"),
        ]
        st.markdown("\n".join(f"- {line}" for line in lines))


def render_planner(
    answers: pd.DataFrame, base: WaveInfo, follow: WaveInfo, questions: list[QuestionSpec]
) -> pd.DataFrame:
    """The next-wave planner: answers needed to detect a given change; returns its table."""
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
        questions=questions,
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


def render_topic(
    selection: workspace.Selection,
    answers: pd.DataFrame,
    base: WaveInfo,
    follow: WaveInfo,
    analysis: Analysis,
    questions: list[QuestionSpec],
) -> verification.TopicOutcome | None:
    """The outcome of one fixed topic: its share of the feedback before vs after, and satisfaction."""
    st.subheader(t("verify.topic"))
    st.caption(t("verify.topic_intro"))
    with transaction() as session:
        # The compared round's own analysis (or the one over all rounds), never another round's.
        choices = verification.topic_choices(session, selection.product_id, base, follow, lang)
    run, topics = choices.run, choices.topics
    if run is None or topics.empty:
        st.info(t("verify.topic.no_run", round=plain(follow.round_name)))
    elif run.round_id is None:
        st.caption(
            t("verify.topic.all_rounds_run", round=plain(follow.round_name), day=f"{run.created_at:%Y-%m-%d}")
        )
    sources = [
        *(["topic"] if run and not topics.empty else []),
        *(["category"] if choices.categorised else []),
        "keywords",
    ]
    source = st.radio(
        t("verify.topic.source"),
        sources,
        format_func={s: t(f"verify.topic.source.{s}") for s in sources}.__getitem__,
        horizontal=True,
        key="verify_topic_source",
    )
    start_default, fix_default, end_default = choices.periods
    suffix = f"{base.id}_{follow.id}"
    # Satisfaction of those who wrote about it: on a scale question, overall satisfaction first.
    scales = {q.code: q for q in questions if q.kind == "scale"}
    likert_measures = sorted(scales, key=lambda c: scales[c].dimension != "overall")
    if not likert_measures:
        st.info(t("verify.topic.no_scale"))
        return None
    labels: dict[str, str] = {}
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
        keep_valid("verify_topic_measure", likert_measures, likert_measures[0])
        measure = st.selectbox(
            t("verify.topic.measure"),
            likert_measures,
            format_func={m: scales[m].text(lang) for m in likert_measures}.__getitem__,
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
    if source == "topic":
        name = str(labels[chosen])
    elif source == "category":
        name = t(f"verify.category.{chosen}")
    else:
        name = ", ".join(parse_keywords(str(chosen)))
    with transaction() as session:
        outcome = verification.measure_topic(
            session,
            product_id=selection.product_id,
            round_id=follow.round_id,
            run=run,
            source=source,
            chosen=str(chosen),
            name=name,
            periods=(start, fix, end),
            answers=answers,
            baseline=base.id,
            follow_up=follow.id,
            measure=str(measure),
            question=scales[str(measure)],
            paired=analysis.paired,
        )
    if source == "topic":
        day = f"{run.created_at:%Y-%m-%d %H:%M}" if run else ""
        left = outcome.not_counted
        for key, n in (
            ("later", left.later),
            ("other_rounds", left.other_rounds),
            ("left_out", left.left_out),
        ):
            if n:
                st.caption(t(f"verify.topic.not_counted.{key}", n=n, round=plain(follow.round_name), day=day))
    evidence = outcome.evidence
    left_column, right_column = st.columns(2)
    for column, side in ((left_column, "before"), (right_column, "after")):
        share = evidence.share_before if side == "before" else evidence.share_after
        k, n = (
            (evidence.k_before, evidence.n_before)
            if side == "before"
            else (evidence.k_after, evidence.n_after)
        )
        column.metric(
            t(f"verify.topic.share_{side}"),
            "–" if pd.isna(share) else f"{100 * share:.1f}%",
            help=t("verify.topic.items", k=k, n=n),
        )
    (st.success if evidence.significant else st.info)(evidence.sentence(lang))
    st.caption(t("verify.topic.caveat"))

    st.markdown(f"**{t('verify.topic.satisfaction')}**")
    st.caption(t("verify.topic.mentioners", n=outcome.mentioned, answered=outcome.answered))
    for _, row in outcome.satisfaction.iterrows():
        group = t(f"verify.topic.group.{row['group']}")
        st.markdown(f"- **{group}**{'：' if lang == 'zh' else ': '}{row[f'verdict_{lang}']}")
    return outcome


@guarded(*roles.STAFF)
def record_export(kind: str, detail: dict[str, Any]) -> None:
    """Audit one download (a download-button callback)."""
    with transaction() as session:
        verification.record_export(session, user.username, kind, detail)


def render_exports(
    selection: workspace.Selection,
    comparison: Comparison,
    plan: pd.DataFrame,
    charts: dict[str, Any],
    base: WaveInfo,
    follow: WaveInfo,
    segment: str,
    topic_outcome: verification.TopicOutcome | None,
    who: reports.WhoAnsweredSlide | None = None,
) -> None:
    """Downloads of the results (CSV, XLSX) and the review deck, each audited."""
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
    scope = reports.scope_table(
        product=selection.product_name,
        round_name=follow.round_name,
        baseline=base.name,
        follow_up=follow.name,
        segment=segment,
        analysis=analysis,
        lang=lang,
    )
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
        results_workbook(
            results,
            lang,
            {t("verify.sheet.plan"): reports.plan_table(plan, lang), t("verify.sheet.context"): scope},
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
        (who.matched, who.not_in_list, who.design_effect) if who else None,  # a new user list: a new deck
    )
    if right.button(t("verify.export.prepare"), key="verify_prepare", icon=":material/slideshow:"):
        with transaction() as session:
            # The compared round's pain points, counted over the round's own analysed feedback.
            material = verification.review_material(session, selection.product_id, follow.round_id, lang)
        pain_scope = ""
        if material.pain_points is not None:
            pain_scope = t("verify.export.pain_scope", round=follow.round_name, n=material.analysed)
        with st.spinner(t("verify.export.preparing")):
            images = reports.chart_images(charts)
            tested = topic_outcome is not None and topic_outcome.evidence.status == "ok"
            report = reports.ReviewReport(
                product=selection.product_name,
                round_name=follow.round_name,
                baseline_name=base.name,
                follow_up_name=follow.name,
                results=results,
                lang=lang,
                segment=segment,
                charts=images,
                pain_points=material.pain_points,
                items=material.items,
                topic_outcomes=[topic_outcome.evidence] if topic_outcome is not None and tested else [],
                analysis=analysis,
                pain_points_scope=pain_scope,
                who_answered=who,
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


with transaction() as session:
    choice = verification.waves_to_compare(session, selection.product_id, selection.round_id)
waves = choice.waves
if choice.in_round is not None:
    st.info(t("verify.round_fallback", n=choice.in_round))
if len(waves) < 2:
    st.info(t("verify.no_waves"))
    st.stop()

ids = [w.id for w in waves]
base_default, follow_default = verification.default_waves(waves)
keep_valid("verify_baseline", ids, base_default)
keep_valid("verify_follow_up", ids, follow_default)
with transaction() as session:
    comparable = verification.comparable_questions(
        session, st.session_state["verify_baseline"], st.session_state["verify_follow_up"]
    )
render_form(waves, choice.segments, comparable.questions)
by_id = {w.id: w for w in waves}
base, follow = by_id[st.session_state["verify_baseline"]], by_id[st.session_state["verify_follow_up"]]
segment = st.session_state["verify_segment"]
if base.id == follow.id:
    st.error(t("verify.same_wave"))
    st.stop()
render_comparability(comparable)
if not comparable.questions:
    st.info(t("verify.no_common"))
    st.stop()
chosen = [q for q in comparable.questions if q.code in st.session_state["verify_questions"]]
if not chosen:
    st.info(t("verify.no_dimensions"))
    st.stop()

answers = load_answers(database_url(), (base.id, follow.id), (base.responses, follow.responses), segment)
comparison = run_comparison(
    answers, base.id, follow.id, tuple(chosen), tuple(sorted(comparable.families.items()))
)
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

render_counts(answers, base, follow)
render_analysis(analysis)
render_verdicts(results, analysis)
render_families(results)
render_method(results)
render_charts(charts, analysis)
render_table(results, analysis)
weighted = render_weighted(results, answers, base, follow)
plan = render_planner(answers, base, follow, chosen)
topic_outcome = render_topic(selection, answers, base, follow, analysis, chosen)
render_exports(
    selection,
    comparison,
    plan,
    charts,
    base,
    follow,
    segment,
    topic_outcome,
    who_answered_slide(weighted, follow),
)

"""Exports of a before/after comparison for the review meeting: deck, chart images, CSV and XLSX.

Everything here returns bytes (or text) and never touches Streamlit or the database; the page
offers the files and records each export in the audit log.

Spreadsheet exports are safe against formula injection (:mod:`analytics.spreadsheet_safety`): a text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
quote, so Excel and LibreOffice show it as text instead of running it. Numbers stay numbers.
"""

from __future__ import annotations

import functools
import io
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import altair as alt
import pandas as pd
import vl_convert as vlc
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Pt

from analytics import benchmark_evidence, deck_story
from analytics import slide_layout as layout
from analytics.evidence import TopicEvidence, is_completed_test
from analytics.pairing import Analysis
from analytics.spreadsheet_safety import FORMULA_PREFIXES as FORMULA_PREFIXES
from analytics.spreadsheet_safety import safe_cell as safe_cell
from analytics.spreadsheet_safety import safe_frame as safe_frame
from analytics.spreadsheet_safety import to_csv_bytes as to_csv_bytes
from analytics.verdicts import RESULT_COLOURS, SHARE_KINDS, Result, test_name

CJK_FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
CHART_FONT = "Noto Sans CJK SC"  # covers Chinese and Latin; vl-convert falls back when it is missing
SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 960 x 540 points

_TEXT: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "deck_title": ("整改效果复盘：满意度前后对比", "Rectification review: satisfaction before and after"),
    "verdicts": ("结论", "Verdicts"),
    "verdict": ("结论说明", "Verdict"),
    "results": ("检验结果", "Results"),
    "pain_points": ("主要痛点", "Top pain points"),
    "items": ("整改项状态", "Rectification items"),
    "method": ("方法与注意事项", "Method and caveats"),
    "sensitivity": ("敏感性分析", "Sensitivity check"),
    "who_answered": ("谁答了问卷：{wave}", "Who answered: {wave}"),
    "attribute": ("属性", "Attribute"),
    "value": ("取值", "Value"),
    "population_share": ("用户名单占比", "Population share"),
    "respondent_share": ("答卷人占比", "Respondent share"),
    "flag": ("代表性", "Representation"),
    "under_represented": ("代表不足", "under-represented"),
    "who_note": (
        "{matched} 位答卷人在用户名单中（{not_in} 位不在，未加权）。加权（raking，上限为均值 {cap} 倍）：设计效应（Kish）{deff}，有效样本量 {neff}。",
        "{matched} respondents in the user list ({not_in} not in it, unweighted). Weights (raking, capped at {cap}x the mean): design effect (Kish) {deff}, effective n {neff}.",
    ),
    "pain_points_of": ("主要痛点：{scope}", "Top pain points: {scope}"),
    "measure": ("指标", "Measure"),
    "test": ("检验", "Test"),
    "n": ("样本量", "n"),
    "before": ("基线", "Before"),
    "after": ("复测", "After"),
    "change": ("变化（95% 置信区间）", "Change (95% CI)"),
    "p_adj": ("校正后 p", "Adjusted p"),
    "result": ("结论", "Result"),
    "better": ("显著提升", "Better"),
    "worse": ("显著下降", "Worse"),
    "changed": ("显著变化（无好坏之分）", "Changed (neither better nor worse)"),
    "unclear": ("无显著变化", "No significant change"),
    "not_tested": ("未检验", "Not tested"),
    "topic": ("痛点", "Pain point"),
    "size": ("条数", "Items"),
    "share": ("占比", "Share"),
    "title": ("整改项", "Item"),
    "owner": ("负责人", "Owner"),
    "status": ("状态", "Status"),
    "baseline_target": ("基线 → 目标", "Baseline → target"),
    "due": ("截止", "Due"),
    "evidence": ("证据：修复前 → 后", "Evidence: before → after"),
    "model_evidence": ("模型证据：修复前 → 后", "Model evidence: before → after"),
    "scope": (
        "{product} · {round} · {baseline} → {follow_up} · {segment}",
        "{product} · {round} · {baseline} → {follow_up} · {segment}",
    ),
    "all_segments": ("全部人群", "all segments"),
    "chart_distribution": ("回答分布", "Answers before and after"),
    "chart_means": ("均值与置信区间", "Means with intervals"),
    "chart_difference": ("变化量", "Changes"),
    "chart_nps": ("NPS", "NPS"),
}

_STATUS: dict[str, tuple[str, str]] = {
    "open": ("未开始", "open"),
    "in_progress": ("进行中", "in progress"),
    "resolved": ("已解决", "resolved"),
    "verified": ("已验证", "verified"),
    "carried_over": ("转入下一轮", "carried over"),
    "verification_lost": ("已验证（已不成立）", "verified (no longer holds)"),
}

_METHOD: dict[str, tuple[str, ...]] = {
    "en": (
        "Likert answers are ordinal: the rank test is the primary result (Mann-Whitney U for independent waves, "
        "Wilcoxon signed-rank for the same respondents); mean differences with t-based 95% CIs are shown beside it.",
        "Top-2-box shares: two-proportion test (Fisher's exact test for small counts, McNemar's test when paired), "
        "Newcombe CIs. NPS: difference with a seeded percentile-bootstrap CI; p from the t-test on NPS scores.",
        "Pairing: respondents are matched by pseudonymous key; the paired test runs when enough answered both "
        "waves, on the matched respondents only; the independent test on every answer is reported beside it.",
        "p-values are Holm-adjusted across the dimensions; 'significant' means adjusted p < 0.05.",
        "A before/after survey shows change over time, not its cause: releases, seasons and who chose to answer "
        "also change between waves.",
    ),
    "zh": (
        "李克特量表回答是有序数据：以秩检验为主要结果（独立批次用 Mann-Whitney U 检验，同一受访者用 Wilcoxon 符号秩检验），"
        "均值差及其 t 分布 95% 置信区间作为辅助。",
        "4-5 分占比：两样本比例检验（计数少时用 Fisher 精确检验，配对时用 McNemar 检验），Newcombe 置信区间。"
        "NPS：差值配固定种子的百分位自助法置信区间，p 值来自 NPS 得分的 t 检验。",
        "配对：按匿名受访者标识匹配；同时回答两个批次的人数足够时，仅对匹配的受访者做配对检验，并同时报告全部回答的独立检验。",
        "p 值经 Holm 方法在各维度间校正；“显著”指校正后 p < 0.05。",
        "前后测只能说明随时间的变化，不能证明原因：版本发布、季节和参与答卷的人群在两个批次之间也会变化。",
    ),
}


def _t(key: str, lang: str, **values: object) -> str:
    zh, en = _TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


# --- formula-injection safety ---------------------------------------------------------------------


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per frame, formula-safe (text cells are stored as text)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = safe_cell(name)[:31].lstrip("'") or "sheet"
            safe_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            for row in worksheet.iter_rows():
                for c in row:
                    if isinstance(c.value, str):
                        c.data_type = "s"  # never a formula, whatever the text
            for column in worksheet.columns:
                width = max(len(str(c.value or "")) for c in column[:50])
                worksheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
    return buffer.getvalue()


# --- the results as a table ----------------------------------------------------------------------

_EXPORT_COLUMNS = (
    "label",
    "kind",
    "status",
    "analysis",
    "test",
    "statistic_name",
    "statistic",
    "n_before",
    "n_after",
    "n_paired",
    "mean_before",
    "mean_after",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "effect_size_kind",
    "effect_size",
    "es_ci_low",
    "es_ci_high",
    "p_val",
    "p_adj",
    "significant",
    "result",
    "detectable_change",
    "sensitivity_test",
    "sensitivity_p_val",
    "verdict",
    "pairing",
    "warnings",
)
# Present when the results come from analytics.wave_compare.compare_primary: who the row describes and
# the other analysis beside it.
_PRIMARY_COLUMNS = (
    "respondents",
    "sensitivity_before",
    "sensitivity_after",
    "sensitivity_diff",
    "sensitivity_p_adj",
    "sensitivity",
)


def results_table(results: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The comparison as an export table: one row per measure, verdicts and caveats in ``lang``.

    Returns:
        Columns label, kind, status, analysis, test, statistic_name, statistic, n_before, n_after,
        n_paired, mean_before, mean_after, diff, diff_ci_low, diff_ci_high, effect_size_kind, effect_size,
        es_ci_low, es_ci_high, p_val, p_adj, significant, result (the row's result category in words,
        as the deck shows it), detectable_change, sensitivity_test, sensitivity_p_val, verdict, pairing,
        warnings ("; "-joined); with results of ``analytics.wave_compare.compare_primary`` also respondents (who every figure of the row describes),
        sensitivity_before, sensitivity_after, sensitivity_diff, sensitivity_p_adj and sensitivity (the
        other analysis, in one sentence).
    """
    suffix = "zh" if lang == "zh" else "en"
    table = results.assign(
        label=results[f"label_{suffix}"],
        test=results["test"].map(lambda name: test_name(name, lang) if name else ""),
        result=results["result"].map(lambda key: _t(key, lang)),
        verdict=results[f"verdict_{suffix}"],
        pairing=results[f"pairing_{suffix}"],
        warnings=results["warnings_zh" if lang == "zh" else "warnings"].map("; ".join),
    )
    columns = list(_EXPORT_COLUMNS)
    if f"respondents_{suffix}" in results.columns:
        table = table.assign(
            respondents=results[f"respondents_{suffix}"], sensitivity=results[f"sensitivity_{suffix}"]
        )
        columns = [columns[0], "respondents", *columns[1:], *_PRIMARY_COLUMNS[1:]]
    return table[columns].reset_index(drop=True)


def scope_table(
    *,
    product: str,
    round_name: str,
    baseline: str,
    follow_up: str,
    segment: str,
    analysis: Analysis,
    lang: str = "en",
) -> pd.DataFrame:
    """What a comparison compared, for the export's context sheet.

    Args:
        product: Product name.
        round_name: Round name.
        baseline: Baseline wave name.
        follow_up: Follow-up wave name.
        segment: Respondent segment compared, or "" for all.
        analysis: The primary analysis.
        lang: "zh" or "en".

    Returns:
        Columns field, value: product, round, baseline, follow_up, segment, respondents, analysis.
    """
    return pd.DataFrame(
        {
            "field": ["product", "round", "baseline", "follow_up", "segment", "respondents", "analysis"],
            "value": [
                product,
                round_name,
                baseline,
                follow_up,
                segment or "all",
                analysis.label(lang),
                analysis.reason(lang),
            ],
        }
    )


def plan_table(plan: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The planner's table for an export: its columns in ``lang`` only.

    Args:
        plan: ``analytics.planner.plan_next_wave``'s result.
        lang: "zh" or "en".

    Returns:
        ``plan`` without the other language's columns.
    """
    return plan.drop(columns=[c for c in plan.columns if c.endswith("_zh" if lang == "en" else "_en")])


# --- charts as images ----------------------------------------------------------------------------


@functools.cache
def _fonts_registered() -> bool:
    found = False
    for folder in CJK_FONT_DIRS:
        if Path(folder).is_dir():
            vlc.register_font_directory(folder)
            found = True
    return found


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    _fonts_registered()
    spec = chart.to_dict()
    config = spec.setdefault("config", {})
    config.setdefault("font", CHART_FONT)
    config.setdefault("background", "white")
    return spec


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as a PNG, rendered without a browser (vl-convert), Chinese labels included."""
    return bytes(vlc.vegalite_to_png(_spec(chart), scale=scale))


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG text."""
    return str(vlc.vegalite_to_svg(_spec(chart)))


class ChartImage(NamedTuple):
    """A chart rendered once, for the deck and the image download."""

    png: bytes
    svg: str


def chart_images(charts: Mapping[str, alt.TopLevelMixin], scale: float = 2.0) -> dict[str, ChartImage]:
    """Every chart as PNG and SVG, by name."""
    return {name: ChartImage(chart_png(chart, scale), chart_svg(chart)) for name, chart in charts.items()}


def charts_zip(images: Mapping[str, ChartImage]) -> bytes:
    """A ZIP holding every chart as ``name.png`` and ``name.svg``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, image in images.items():
            archive.writestr(f"{name}.png", image.png)
            archive.writestr(f"{name}.svg", image.svg)
    return buffer.getvalue()


# --- the deck ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoAnsweredSlide:
    """The representativeness check of the follow-up wave, for the deck's "Who answered" slide.

    Attributes:
        wave: The wave's name.
        shares: ``analytics.representativeness.compare_shares`` (attribute, value, population_share,
            respondent_share, under_represented).
        matched: Respondents found in the user list.
        not_in_list: Respondents not in it (unweighted).
        design_effect: Kish's design effect of their weights (NaN when they could not be weighted).
        effective_n: Their effective sample size.
        cap: The weight cap, in multiples of the mean.
    """

    wave: str
    shares: pd.DataFrame
    matched: int
    not_in_list: int
    design_effect: float
    effective_n: float
    cap: float = 5.0


@dataclass
class ReviewReport:
    """What goes into the review deck.

    Attributes:
        product: Product name.
        round_name: Round name ("" for all rounds).
        baseline_name: Baseline wave name.
        follow_up_name: Follow-up wave name.
        results: ``analytics.wave_compare.compare_primary(...).results`` (or ``compare_waves`` output).
        lang: "zh" or "en".
        segment: Respondent segment compared, or "" for all.
        generated_on: Date printed on the title slide.
        charts: name -> rendered chart (:func:`chart_images` of ``analytics.charts_verify.standard_charts``),
            shown one per slide.
        pain_points: Optional frame with columns label, size (and share 0-1), largest first.
        items: Optional frame of rectification items (``db.items.list_items`` columns).
        topic_outcomes: Optional topic share measurements (``analytics.topic_outcome.topic_share``), their
            verdicts on the headline slide with the items' evidence.
        analysis: The primary analysis the results, charts and figures describe; its label goes on the
            title, verdict and results slides, and the sensitivity check gets its own slide.
        pain_points_scope: What the pain points were counted over (e.g. "Round 1, 480 analysed items"),
            in the pain-point slide's title.
    """

    product: str
    round_name: str
    baseline_name: str
    follow_up_name: str
    results: pd.DataFrame
    lang: str = "en"
    segment: str = ""
    generated_on: date = field(default_factory=date.today)
    charts: Mapping[str, ChartImage] = field(default_factory=dict)
    pain_points: pd.DataFrame | None = None
    items: pd.DataFrame | None = None
    topic_outcomes: Sequence[TopicEvidence] = ()
    analysis: Analysis | None = None
    pain_points_scope: str = ""
    who_answered: WhoAnsweredSlide | None = None


def _number(value: Any, digits: int = 2, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.0f}%" if pct else f"{value:.{digits}f}"


def _change(row: Mapping[str, Any]) -> str:
    if row["status"] != "ok":
        return "–"
    share = row["kind"] in SHARE_KINDS
    scale, digits = (100, 0) if share else (1, 0) if row["kind"] == "nps" else (1, 2)
    unit = " pp" if share else ""

    def signed(v: float) -> str:
        if not math.isfinite(v):
            return "n/a"
        x = round(scale * v, digits) + 0.0  # rounds to zero: 0, never "-0"
        return f"{x:+.{digits}f}" if x else f"{x:.{digits}f}"

    return f"{signed(row['diff'])}{unit} ({signed(row['diff_ci_low'])}, {signed(row['diff_ci_high'])})"


def result_words(result: str, lang: str = "en") -> str:
    """A result category (``analytics.verdicts.RESULTS``) in words, as the deck and the exports show it."""
    return _t(result, lang)


def result_colour(result: Result) -> RGBColor:
    """The colour of a result category in the deck (``analytics.verdicts.RESULT_COLOURS``)."""
    colour: RGBColor = RGBColor.from_string(RESULT_COLOURS[result].lstrip("#").upper())
    return colour


def _item_status(item: dict[str, Any], lang: str) -> str:
    """An item's status as the items page shows it.

    An item's status as the items page shows it: a verified item whose newest test no longer
    verifies it says so (``verification_lost`` from db.items.list_items).
    """
    status = "verification_lost" if item.get("verification_lost") is True else str(item["status"])
    return _STATUS.get(status, (status, status))[0 if lang == "zh" else 1]


def evidence_text(evidence: TopicEvidence | None, lang: str = "en") -> str:
    """An item's newest measurement in a few words; the items page and the deck show it alike.

    Args:
        evidence: The measurement (``db.items.list_items``' evidence), or None.
        lang: "zh" or "en".

    Returns:
        "13.2% → 5.5% (significant)", "–" without a measurement; a measurement that is not a completed
        test is no evidence, and says so.
    """
    if evidence is None:
        return "–"
    if not is_completed_test(evidence):
        return "未检验" if lang == "zh" else "not tested"
    text = f"{100 * evidence.share_before:.1f}% → {100 * evidence.share_after:.1f}%"
    if evidence.significant:
        text += "（显著）" if lang == "zh" else " (significant)"
    return text


def _evidence(value: Any) -> TopicEvidence | None:
    """An items frame's evidence cell: the measurement, or None (a frame built by hand may hold NaN)."""
    return value if isinstance(value, TopicEvidence) else None


def _model_evidence(value: Any) -> benchmark_evidence.BenchmarkEvidence | None:
    """An items frame's benchmark_evidence cell: the measurement, or None (absent, NaN)."""
    return value if isinstance(value, benchmark_evidence.BenchmarkEvidence) else None


# Column widths of the deck's tables, in points (each set adds up to the body's width, 888).
RESULT_WIDTHS = (190.0, 180.0, 44.0, 54.0, 54.0, 140.0, 74.0, 152.0)
VERDICT_WIDTHS = (150.0, 738.0)
SENSITIVITY_WIDTHS = (196.0, 692.0)
WHO_WIDTHS = (200.0, 248.0, 150.0, 150.0, 140.0)
ITEM_WIDTHS = (212.0, 90.0, 110.0, 100.0, 80.0, 140.0, 156.0)
TABLE_POINTS = 12.0


def _slide(prs: Any, title: str, note: str = "") -> tuple[Any, float]:
    """A blank slide with its title and, when given, the note of who the figures describe.

    Returns:
        The slide and where its body starts (in points).
    """
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    layout.add_title(slide, title)
    if note:
        layout.add_note(slide, note)
    return slide, layout.body_top(note)


def _paged_tables(
    prs: Any,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    note: str = "",
    size: float = TABLE_POINTS,
) -> list[tuple[Any, int]]:
    """A table spread evenly over as few slides as hold it; (table, index of its first row) per slide."""
    rows = [[layout.clip(text, w, size) for text, w in zip(row, widths, strict=True)] for row in rows]
    heights = [layout.row_height(r, widths, size) for r in rows]
    room = layout.table_room(layout.body_top(note), header, widths, size)
    pages = layout.paginate(heights, room)
    tables = []
    for n, (start, stop) in enumerate(pages, start=1):
        page = f" ({n}/{len(pages)})" if len(pages) > 1 else ""
        slide, top = _slide(prs, title + page, note)
        tables.append((layout.add_table(slide, top, header, rows[start:stop], widths, size), start))
    return tables


def _text_slide(prs: Any, title: str, lines: Sequence[str], note: str = "", largest: float = 18) -> None:
    """A slide of paragraphs, as large as they fit below the title."""
    slide, top = _slide(prs, title, note)
    box = layout.Box(layout.MARGIN, top, layout.BODY_W, layout.BODY_BOTTOM - top)
    layout.add_fitted_text(slide, box, lines, largest, 10, spacing=0.5)


def _title_slide(prs: Any, report: ReviewReport, respondents: str) -> None:
    """The deck's title, then the scope and who the figures describe, each in a box sized to fit."""
    lang = report.lang
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, 0, Pt(layout.SLIDE_W), Pt(12))  # a strip of the accent colour
    band.fill.solid()
    band.fill.fore_color.rgb = layout.ACCENT
    band.line.fill.background()
    width = layout.SLIDE_W - 2 * 60
    layout.add_fitted_text(
        slide, layout.Box(60, 130, width, 130), [_t("deck_title", lang)], 40, 24, bold=True
    )
    scope = _t(
        "scope",
        lang,
        product=report.product,
        round=report.round_name or "–",
        baseline=report.baseline_name,
        follow_up=report.follow_up_name,
        segment=report.segment or _t("all_segments", lang),
    )
    lines = [scope, report.generated_on.isoformat(), *([respondents] if respondents else [])]
    layout.add_fitted_text(
        slide, layout.Box(60, 290, width, 150), lines, 20, 11, colour=layout.GREY, spacing=0.5
    )


def _headline_slide(prs: Any, report: ReviewReport, respondents: str) -> None:
    """What improved, what did not, and the evidence on the fixed pain points, side by side."""
    lang = report.lang
    said = deck_story.headline(report.results, lang, report.topic_outcomes, report.items)
    slide, top = _slide(prs, deck_story.words("headline", lang), respondents)
    gap = 18.0
    width = (layout.BODY_W - 2 * gap) / 3
    blocks = (
        ("improved", said.improved, result_colour("better")),
        # Red when something got worse, grey when nothing did.
        (
            "not_improved",
            said.not_improved,
            result_colour("worse" if "worse" in set(report.results["result"]) else "unclear"),
        ),
        ("topics", said.topics, layout.ACCENT),
    )
    headings = [deck_story.words(key, lang) for key, _, _ in blocks]
    heading_box = layout.Box(0, 0, width, 34)
    size = min(layout.fitted_size([h], heading_box, 20, 12, bold=True) or 12 for h in headings)
    for n, ((_, lines, colour), heading) in enumerate(zip(blocks, headings, strict=True)):
        left = layout.MARGIN + n * (width + gap)
        layout.add_text(
            slide, heading_box._replace(left=left, top=top + 4), [heading], size, bold=True, colour=colour
        )
        body = layout.Box(left, top + 44, width, layout.BODY_BOTTOM - top - 44)
        layout.add_fitted_text(slide, body, lines, 18, 10, spacing=0.5)


def _chart_slide(prs: Any, title: str, takeaway: str, png: bytes) -> None:
    """One chart, below its one-line takeaway, as large as fits and centred."""
    slide, top = _slide(prs, title)
    if takeaway:
        box = layout.Box(layout.MARGIN, top, layout.BODY_W, 44)
        layout.add_fitted_text(slide, box, [takeaway], 16, 10, colour=layout.INK)
        top += box.height + 6
    picture = slide.shapes.add_picture(io.BytesIO(png), Pt(layout.MARGIN), Pt(top))
    box_w, box_h = Pt(layout.BODY_W), Pt(layout.BODY_BOTTOM - top)
    ratio = min(box_w / picture.width, box_h / picture.height)
    picture.width, picture.height = Emu(int(picture.width * ratio)), Emu(int(picture.height * ratio))
    picture.left = Emu(int((SLIDE_WIDTH - picture.width) / 2))


def _result_rows(results: pd.DataFrame, lang: str) -> list[list[str]]:
    label = "label_zh" if lang == "zh" else "label_en"
    return [
        [
            str(r[label]),
            test_name(r["test"], lang) if r["test"] else "–",
            f"{r['n_paired']}" if r["analysis"] == "paired" else f"{r['n_before']} / {r['n_after']}",
            _number(r["mean_before"], pct=r["kind"] in SHARE_KINDS, digits=0 if r["kind"] == "nps" else 2),
            _number(r["mean_after"], pct=r["kind"] in SHARE_KINDS, digits=0 if r["kind"] == "nps" else 2),
            _change(r),
            "< 0.001" if r["p_adj"] < 0.001 else _number(r["p_adj"], 3),
            _t(r["result"], lang),
        ]
        for r in results.to_dict("records")
    ]


def _colour_results(table: Any, column: int, categories: Sequence[Result]) -> None:
    """Each row's result word in its category's colour, bold."""
    for i, category in enumerate(categories, start=1):
        for paragraph in table.cell(i, column).text_frame.paragraphs:
            for font in [paragraph.font, *(run.font for run in paragraph.runs)]:
                font.color.rgb = result_colour(category)
                font.bold = True


def _footers(prs: Any, report: ReviewReport) -> None:
    """The product and the date, and the page number, on every slide but the title slide."""
    left = f"{report.product} · {report.generated_on.isoformat()}"
    pages = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        if n > 1:
            layout.add_footer(slide, left, n, pages)


def _who_answered_slides(prs: Any, who: WhoAnsweredSlide, lang: str) -> None:
    """Respondents against the user list, per attribute value, flagged where under-represented."""
    weighted = not math.isnan(who.design_effect)
    note = _t(
        "who_note",
        lang,
        matched=who.matched,
        not_in=who.not_in_list,
        cap=f"{who.cap:g}",
        deff=f"{who.design_effect:.2f}" if weighted else "–",
        neff=f"{who.effective_n:.1f}" if weighted else "–",
    )
    rows = [
        [
            str(r["attribute"]),
            str(r["value"]),
            _number(r["population_share"], pct=True),
            _number(r["respondent_share"], pct=True),
            _t("under_represented", lang) if r["under_represented"] else "",
        ]
        for r in who.shares.to_dict("records")
    ]
    header = [_t(k, lang) for k in ("attribute", "value", "population_share", "respondent_share", "flag")]
    _paged_tables(prs, _t("who_answered", lang, wave=who.wave), header, rows, WHO_WIDTHS, note)


def build_deck(report: ReviewReport) -> bytes:
    """The review deck as PPTX bytes (16:9).

    Title; the headline (what improved, what did not, the evidence on the fixed pain points);
    verdicts; one chart per slide under its takeaway; results; the sensitivity check; the compared
    round's pain points and items; method. Tables spread evenly over as many
    slides as they need; every slide after the title carries the product, the date and its number.
    With ``report.analysis`` every figure slide names who it describes.
    """
    lang = report.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    suffix = "zh" if lang == "zh" else "en"
    label = f"label_{suffix}"
    results = report.results
    categories: list[Result] = list(results["result"])

    respondents = report.analysis.label(lang) if report.analysis is not None else ""
    _title_slide(prs, report, respondents)
    _headline_slide(prs, report, respondents)

    verdict_rows = [
        [_t(c, lang), str(v)] for c, v in zip(categories, results[f"verdict_{suffix}"], strict=True)
    ]
    header = [_t("result", lang), _t("verdict", lang)]
    for table, start in _paged_tables(
        prs, _t("verdicts", lang), header, verdict_rows, VERDICT_WIDTHS, respondents
    ):
        _colour_results(table, 0, categories[start : start + len(table.rows) - 1])

    for name, image in report.charts.items():
        key = f"chart_{name}"
        _chart_slide(
            prs, _t(key, lang) if key in _TEXT else name, deck_story.takeaway(name, results, lang), image.png
        )

    header = [_t(k, lang) for k in ("measure", "test", "n", "before", "after", "change", "p_adj", "result")]
    rows = _result_rows(results, lang)
    for table, start in _paged_tables(prs, _t("results", lang), header, rows, RESULT_WIDTHS, respondents):
        _colour_results(table, len(header) - 1, categories[start : start + len(table.rows) - 1])

    sensitivity_column = f"sensitivity_{suffix}"
    if report.analysis is not None and sensitivity_column in results.columns:
        lines = [
            [str(r[label]), str(r[sensitivity_column])]
            for r in results.to_dict("records")
            if r[sensitivity_column]
        ]
        if lines:
            _paged_tables(
                prs,
                _t("sensitivity", lang),
                [_t("measure", lang), _t("sensitivity", lang)],
                lines,
                SENSITIVITY_WIDTHS,
                report.analysis.reason(lang),
            )

    if report.who_answered is not None:
        _who_answered_slides(prs, report.who_answered, lang)

    if report.pain_points is not None and not report.pain_points.empty:
        top = report.pain_points.head(10)
        has_share = "share" in top.columns
        _paged_tables(
            prs,
            _t("pain_points_of", lang, scope=report.pain_points_scope)
            if report.pain_points_scope
            else _t("pain_points", lang),
            [_t("topic", lang), _t("size", lang), *([_t("share", lang)] if has_share else [])],
            [
                [
                    str(p["label"]),
                    f"{int(p['size'])}",
                    *([_number(p["share"], pct=True)] if has_share else []),
                ]
                for p in top.to_dict("records")
            ],
            (648.0, 120.0, 120.0) if has_share else (708.0, 180.0),
        )

    if report.items is not None and not report.items.empty:
        _paged_tables(  # every item, a flagged one never left out
            prs,
            _t("items", lang),
            [
                _t(k, lang)
                for k in ("title", "owner", "status", "baseline_target", "due", "evidence", "model_evidence")
            ],
            [
                [
                    str(i["title"]),
                    str(i["owner"] or "–"),
                    _item_status(i, lang),
                    f"{_number(i['baseline'], 1)} → {_number(i['target'], 1)}",
                    str(i["due_on"] or "–"),
                    evidence_text(_evidence(i.get("evidence")), lang),
                    benchmark_evidence.evidence_text(_model_evidence(i.get("benchmark_evidence")), lang),
                ]
                for i in report.items.to_dict("records")
            ],
            ITEM_WIDTHS,
            size=11,
        )

    _text_slide(prs, _t("method", lang), _METHOD["zh" if lang == "zh" else "en"], largest=16)
    _footers(prs, report)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()

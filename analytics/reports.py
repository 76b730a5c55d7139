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
from pptx.util import Emu, Inches, Pt

from analytics.evidence import TopicEvidence, is_completed_test
from analytics.pairing import Analysis
from analytics.spreadsheet_safety import FORMULA_PREFIXES as FORMULA_PREFIXES
from analytics.spreadsheet_safety import safe_cell as safe_cell
from analytics.spreadsheet_safety import safe_frame as safe_frame
from analytics.spreadsheet_safety import to_csv_bytes as to_csv_bytes
from analytics.verdicts import RESULT_COLOURS, SHARE_KINDS, Result, test_name

CJK_FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto")
CHART_FONT = "Noto Sans CJK SC"  # covers Chinese and Latin; vl-convert falls back when it is missing
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
VERDICTS_PER_SLIDE = 5
SENSITIVITY_PER_SLIDE = 6
ITEMS_PER_SLIDE = 12
TITLE_POINTS, SUBTITLE_POINTS = 36, 18

_TEXT: dict[str, tuple[str, str]] = {  # key: (zh, en)
    "deck_title": ("整改效果复盘：满意度前后对比", "Rectification review: satisfaction before and after"),
    "verdicts": ("结论", "Verdicts"),
    "results": ("检验结果", "Results"),
    "pain_points": ("主要痛点", "Top pain points"),
    "items": ("整改项状态", "Rectification items"),
    "topics": ("主题前后对比", "Topics before and after"),
    "method": ("方法与注意事项", "Method and caveats"),
    "sensitivity": ("敏感性分析", "Sensitivity check"),
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
    "scope": (
        "{product} · {round} · {baseline} → {follow_up} · {segment} · {day}",
        "{product} · {round} · {baseline} → {follow_up} · {segment} · {day}",
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
            verdicts listed.
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


def _title_only(prs: Any, title: str) -> Any:
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    _place_title(slide, title)
    return slide


def _place_title(slide: Any, title: str) -> None:
    """Set a slide's title across the widescreen slide.

    The title across the widescreen slide (the default layouts are 4:3), smaller when it is long,
    so it stays on two lines above the content.
    """
    shape = slide.shapes.title
    shape.text = title
    shape.left, shape.top, shape.width, shape.height = (
        Inches(0.5),
        Inches(0.3),
        SLIDE_WIDTH - Inches(1.0),
        Inches(1.1),
    )
    shape.text_frame.word_wrap = True
    shape.text_frame.paragraphs[0].font.size = Pt(30 if len(title) <= 45 else 24)


def _bullets(prs: Any, title: str, lines: Sequence[str], size: int = 18, note: str = "") -> None:
    """A slide of bullet lines; ``note`` (who the figures describe) goes first, smaller and grey."""
    slide = prs.slides.add_slide(prs.slide_layouts[1])
    _place_title(slide, title)
    body = slide.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.6), Inches(1.5), Inches(12.1), Inches(5.6)
    frame = body.text_frame
    frame.word_wrap = True
    for i, line in enumerate([note, *lines] if note else lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size - 2 if note and i == 0 else size)
        if note and i == 0:
            paragraph.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        paragraph.space_after = Pt(8)


def _table(
    prs: Any,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    note: str = "",
) -> Any:
    """A slide with a table (header row in bold); returns the table."""
    slide = _title_only(prs, title)
    top = Inches(1.4)
    if note:  # who the figures describe, between the title and the table
        box = slide.shapes.add_textbox(Inches(0.4), Inches(1.3), Inches(12.5), Inches(0.4))
        box.text_frame.text = note
        box.text_frame.paragraphs[0].font.size = Pt(14)
        box.text_frame.paragraphs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
        top = Inches(1.8)
    height = Inches(0.4) * (len(rows) + 1)
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(0.4), top, Inches(12.5), height)
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for j, text in enumerate(header):
        table.cell(0, j).text = text
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    for i in range(len(rows) + 1):
        for j in range(len(header)):
            for paragraph in table.cell(i, j).text_frame.paragraphs:
                paragraph.font.size = Pt(11 if i else 12)
                paragraph.font.bold = i == 0
    return table


def _table_pages(rows: Sequence[Sequence[str]], lang: str, budget: float = 12.0) -> list[tuple[int, int]]:
    """(start, stop) of the results rows on each slide, so that wrapped rows never run off the slide.

    A row is one unit high, and 0.45 more for each further line its name or test wraps to (about 26
    Latin or 13 Chinese characters fit a line of those columns); a slide holds ``budget`` units.
    """
    per_line = 13 if lang == "zh" else 26
    pages: list[tuple[int, int]] = []
    start, used = 0, 0.0
    for i, row in enumerate(rows):
        lines = max(math.ceil(len(row[0]) / per_line), math.ceil(len(row[1]) / per_line), 1)
        height = 1 + 0.45 * (lines - 1)
        if used + height > budget and i > start:
            pages.append((start, i))
            start, used = i, 0.0
        used += height
    if start < len(rows):
        pages.append((start, len(rows)))
    return pages


def _picture(prs: Any, title: str, png: bytes) -> None:
    slide = _title_only(prs, title)
    picture = slide.shapes.add_picture(io.BytesIO(png), Inches(0.5), Inches(1.35))
    # Fit inside the slide below the title, keeping the aspect ratio.
    box_w, box_h = SLIDE_WIDTH - Inches(1.0), SLIDE_HEIGHT - Inches(1.6)
    ratio = min(box_w / picture.width, box_h / picture.height)
    picture.width, picture.height = Emu(int(picture.width * ratio)), Emu(int(picture.height * ratio))
    picture.left = Emu(int((SLIDE_WIDTH - picture.width) / 2))


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


def _title_slide(prs: Any, report: ReviewReport, respondents: str) -> None:
    """Title, then the scope and who the figures describe, both inside the slide."""
    lang = report.lang
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.text = _t("deck_title", lang)
    # The default template is 4:3; on this 16:9 slide both boxes are placed explicitly.
    title.left, title.top, title.width, title.height = Inches(0.6), Inches(1.6), Inches(12.1), Inches(1.9)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(0.6),
        Inches(3.7),
        Inches(12.1),
        Inches(2.2),
    )
    title.text_frame.word_wrap = True
    title.text_frame.paragraphs[0].font.size = Pt(TITLE_POINTS)
    lines = [
        _t(
            "scope",
            lang,
            product=report.product,
            round=report.round_name or "–",
            baseline=report.baseline_name,
            follow_up=report.follow_up_name,
            segment=report.segment or _t("all_segments", lang),
            day=report.generated_on.isoformat(),
        ),
        *([respondents] if respondents else []),
    ]
    frame = subtitle.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(SUBTITLE_POINTS)
        paragraph.font.color.rgb = RGBColor(0x44, 0x44, 0x44)


def build_deck(report: ReviewReport) -> bytes:
    """The review deck as PPTX bytes.

    The review deck as PPTX bytes: title, verdicts, charts, results table, sensitivity check, topic
    outcomes, pain points, items, method. With ``report.analysis`` every figure slide names who it describes.
    """
    lang = report.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT

    respondents = report.analysis.label(lang) if report.analysis is not None else ""
    _title_slide(prs, report, respondents)

    verdicts = list(report.results[f"verdict_{'zh' if lang == 'zh' else 'en'}"])
    for start in range(0, len(verdicts), VERDICTS_PER_SLIDE):
        chunk = verdicts[start : start + VERDICTS_PER_SLIDE]
        page = f" ({start // VERDICTS_PER_SLIDE + 1})" if len(verdicts) > VERDICTS_PER_SLIDE else ""
        _bullets(prs, _t("verdicts", lang) + page, chunk, size=16, note=respondents)

    for name, image in report.charts.items():
        key = f"chart_{name}"
        _picture(prs, _t(key, lang) if key in _TEXT else name, image.png)

    label = "label_zh" if lang == "zh" else "label_en"
    rows = [
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
        for r in report.results.to_dict("records")
    ]
    categories = list(report.results["result"])
    header = [_t(k, lang) for k in ("measure", "test", "n", "before", "after", "change", "p_adj", "result")]
    for start, stop in _table_pages(rows, lang):
        table = _table(
            prs,
            _t("results", lang),
            header,
            rows[start:stop],
            (2.6, 2.4, 1.0, 0.9, 0.9, 2.3, 1.0, 1.4),
            note=respondents,
        )
        for i, category in enumerate(categories[start:stop], start=1):  # the result in its colour
            for paragraph in table.cell(i, len(header) - 1).text_frame.paragraphs:
                paragraph.font.color.rgb = result_colour(category)

    sensitivity_column = f"sensitivity_{'zh' if lang == 'zh' else 'en'}"
    if report.analysis is not None and sensitivity_column in report.results.columns:
        lines = [str(s) for s in report.results[sensitivity_column] if s]
        for start in range(0, len(lines), SENSITIVITY_PER_SLIDE):
            page = f" ({start // SENSITIVITY_PER_SLIDE + 1})" if len(lines) > SENSITIVITY_PER_SLIDE else ""
            _bullets(
                prs,
                _t("sensitivity", lang) + page,
                lines[start : start + SENSITIVITY_PER_SLIDE],
                size=14,
                note=report.analysis.reason(lang),
            )

    if report.topic_outcomes:
        _bullets(
            prs,
            _t("topics", lang),
            [o.sentence(lang) for o in report.topic_outcomes],
            16,
        )

    if report.pain_points is not None and not report.pain_points.empty:
        top = report.pain_points.head(10)
        has_share = "share" in top.columns
        _table(
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
            (9.0, 1.6, 1.6) if has_share else (10.0, 2.2),
        )

    if report.items is not None and not report.items.empty:
        records = report.items.to_dict("records")
        starts = range(0, len(records), ITEMS_PER_SLIDE)  # every item, a flagged one never left out
        for first in starts:
            _table(
                prs,
                _t("items", lang) + (f" ({first // ITEMS_PER_SLIDE + 1})" if len(starts) > 1 else ""),
                [_t(k, lang) for k in ("title", "owner", "status", "baseline_target", "due", "evidence")],
                [
                    [
                        str(i["title"]),
                        str(i["owner"] or "–"),
                        _item_status(i, lang),
                        f"{_number(i['baseline'], 1)} → {_number(i['target'], 1)}",
                        str(i["due_on"] or "–"),
                        evidence_text(_evidence(i.get("evidence")), lang),
                    ]
                    for i in records[first : first + ITEMS_PER_SLIDE]
                ],
                (4.6, 1.4, 1.4, 1.6, 1.3, 2.2),
            )

    _bullets(prs, _t("method", lang), _METHOD["zh" if lang == "zh" else "en"], size=15)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()

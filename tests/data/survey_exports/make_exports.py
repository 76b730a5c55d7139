"""Writes the sample survey exports next to this script: python tests/data/survey_exports/make_exports.py.

One satisfaction survey of an AI assistant for health and money questions, answered twice (a baseline
wave and a follow-up after a fix): the follow-up is better on accuracy and speed. Each tool's files copy
the header layout of that tool's default export (see README.md); the answers come from a seeded random
generator, so running the script again writes the same files.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
Cell = str | int | float

ZH_SAT = ("非常不满意", "不满意", "一般", "满意", "非常满意")
QX_SAT = (
    "Extremely dissatisfied",
    "Somewhat dissatisfied",
    "Neither satisfied nor dissatisfied",
    "Somewhat satisfied",
    "Extremely satisfied",
)
QX_SAT7 = (
    "Extremely dissatisfied",
    "Moderately dissatisfied",
    "Slightly dissatisfied",
    "Neither satisfied nor dissatisfied",
    "Slightly satisfied",
    "Moderately satisfied",
    "Extremely satisfied",
)
EN_SAT = (
    "Very dissatisfied",
    "Dissatisfied",
    "Neither satisfied nor dissatisfied",
    "Satisfied",
    "Very satisfied",
)
ZH_FEATURES = ("用药查询", "检查报告解读", "理财产品问答", "保险条款解释")
EN_FEATURES = ("Medication lookup", "Lab report explanation", "Investment questions", "Insurance claims help")
ZH_COMMENTS = (
    "回答太慢了，高峰期要等十几秒",
    "报告解读很清楚，谢谢",
    "布洛芬和头孢能一起吃吗？它给的答案前后不一致",
    "理财收益率算错了一次，请回电 13812345678",
    "希望能支持语音输入",
    "有时候答非所问",
    "我的邮箱 wang.fang@example.com，出了新版本请通知我",
    "整体不错，速度比上个月快",
    "保险条款解释得太笼统",
    "",
)
EN_COMMENTS = (
    "Answers took too long during the day, often 10+ seconds.",
    "The lab report explanation was clear and useful.",
    "It gave me two different doses for the same medicine.",
    "Please call me back on 13812345678 about my claim.",
    "Would love voice input.",
    "Sometimes it answers a different question than the one I asked.",
    "Contact me at jane.doe@example.com when the new version is out.",
    "Much faster than last month, thanks!",
    "The fund return it calculated was wrong.",
    "",
)


def likert(rng: random.Random, mean: float, points: int = 5) -> int:
    """A point near ``mean`` (1..points)."""
    return max(1, min(points, round(rng.gauss(mean, 0.9))))


def nps(rng: random.Random, mean: float) -> int:
    return max(0, min(10, round(rng.gauss(mean, 1.8))))


def yes_no(rng: random.Random, p_yes: float) -> int:
    """0 no, 1 partly, 2 yes."""
    draw = rng.random()
    return 2 if draw < p_yes else (1 if draw < p_yes + 0.2 else 0)


def features(rng: random.Random, n: int = 4) -> list[int]:
    picked = [i for i in range(n) if rng.random() < (0.6, 0.4, 0.35, 0.25)[i]]
    return picked or [0]


class Wave:
    """One wave's respondents and their answers, the same for every tool."""

    def __init__(self, seed: int, follow_up: bool, ids: Sequence[str]) -> None:
        rng = random.Random(seed)
        self.ids = list(ids)
        self.start = datetime(2026, 6, 15, 9) if follow_up else datetime(2026, 5, 6, 9)
        lift = 0.7 if follow_up else 0.0
        self.rows: list[dict[str, object]] = []
        for i, _ in enumerate(self.ids):
            skip = rng.random()
            self.rows.append(
                {
                    "accuracy": likert(rng, 3.1 + lift),
                    "speed": None if skip < 0.08 else likert(rng, 2.9 + lift),
                    "ease": likert(rng, 3.8),
                    "solved": yes_no(rng, 0.45 + lift / 4),
                    "features": features(rng),
                    "nps": None if 0.08 <= skip < 0.12 else nps(rng, 6.5 + lift * 1.5),
                    "overall": likert(rng, 3.3 + lift / 2),
                    "comment": i % 3 == 0,
                    "comment_index": rng.randrange(10),
                    "minutes": rng.randint(2, 9),
                }
            )

    def times(self, i: int) -> tuple[datetime, datetime]:
        begin = self.start + timedelta(hours=i * 7 + (i % 5), minutes=(i * 13) % 60)
        return begin, begin + timedelta(minutes=int(str(self.rows[i]["minutes"])), seconds=(i * 17) % 60)


def pooled_ids(prefix: str) -> tuple[list[str], list[str]]:
    """Baseline and follow-up respondent ids: 45 and 42, 27 in both (60% of the baseline)."""
    baseline = [f"{prefix}{n:04d}" for n in range(1001, 1046)]
    follow_up = (
        baseline[::5] + baseline[1::5] + baseline[2::5][:9] + [f"{prefix}{n:04d}" for n in range(2001, 2016)]
    )
    return baseline, follow_up


def comment(row: dict[str, object], texts: Sequence[str]) -> str:
    return texts[int(str(row["comment_index"]))] if row["comment"] else ""


def csv_bytes(rows: Sequence[Sequence[Cell]], encoding: str, newline: str = "\r\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Cell | datetime]], sheet: str) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The workbook with its save time and zip entry times fixed, so a rerun writes the same bytes."""
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = stamp.sub(rb"\g<1>2026-07-01T00:00:00Z", body)
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 7, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


# --- 问卷星 -----------------------------------------------------------------------------------------

WJX_QUESTIONS = (
    "您的用户ID：",
    "您对回答的准确性满意吗？",
    "您对响应速度满意吗？",
    "使用起来是否方便？",
    "这次您的问题解决了吗？",
    "您使用过哪些功能？",
    "您有多大可能向朋友或同事推荐本助手？（0-10分）",
    "总体来说，您对本助手满意吗？",
    "还有什么想告诉我们的？",
)
WJX_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def wjx_rows(wave: Wave, *, by_score: bool) -> list[list[Cell]]:
    """按文本导出 (labels, multiple choice joined by ┋) or 按分数导出 (numbers, 0/1 sub-columns)."""
    header = WJX_META + [f"{n}、{q}" for n, q in enumerate(WJX_QUESTIONS[:5], start=1)]
    if by_score:
        header += [f"6、{WJX_QUESTIONS[5]}({ZH_FEATURES[0]})"] + [f"6、({f})" for f in ZH_FEATURES[1:]]
    else:
        header.append(f"6、{WJX_QUESTIONS[5]}")
    header += [f"{n}、{q}" for n, q in enumerate(WJX_QUESTIONS[6:], start=7)]
    rows: list[list[Cell]] = [header]
    for i, (uid, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        begin, end = wave.times(i)
        label: Callable[[object], Cell] = (
            (lambda v: str(v)) if by_score else (lambda v: ZH_SAT[int(str(v)) - 1])
        )
        speed = "(跳过)" if row["speed"] is None else label(row["speed"])
        picked = list(row["features"])  # type: ignore[call-overload]
        if by_score:
            multi: list[Cell] = [1 if k in picked else 0 for k in range(4)]
        else:
            multi = ["┋".join(ZH_FEATURES[k] for k in picked)]
        rows.append(
            [
                i + 1,
                end.strftime("%Y/%m/%d %H:%M:%S"),
                f"{int(str(row['minutes'])) * 60 + i % 60}秒",
                "微信" if i % 3 else "链接",
                "N/A" if i % 3 else "直接访问",
                f"116.{i % 200}.{(i * 7) % 250}.{(i * 11) % 250}(北京-北京)",
                uid,
                label(row["accuracy"]),
                speed,
                label(row["ease"]),
                ("否", "部分", "是")[int(str(row["solved"]))],
                *multi,
                "(跳过)" if row["nps"] is None else str(row["nps"]),
                label(row["overall"]),
                comment(row, ZH_COMMENTS) or "(空)",
            ]
        )
    return rows


# --- 腾讯问卷 ---------------------------------------------------------------------------------------

TENCENT_QUESTIONS = (
    "您对回答的准确性满意吗？",
    "您对响应速度满意吗？",
    "这次您的问题解决了吗？",
    "您有多大可能向朋友或同事推荐本助手？",
    "您使用过哪些功能？",
    "总体来说，您对本助手满意吗？",
    "还有什么想告诉我们的？",
)


def tencent_rows(wave: Wave) -> list[list[Cell | datetime]]:
    meta = [
        "编号",
        "开始答题时间",
        "结束答题时间",
        "答题时长",
        "地理位置国家和地区",
        "地理位置省",
        "地理位置市",
    ]
    header: list[Cell | datetime] = [
        *meta,
        *(f"{n}.{q}" for n, q in enumerate(TENCENT_QUESTIONS[:4], start=1)),
    ]
    header += [f"5.{TENCENT_QUESTIONS[4]}:{f}" for f in ZH_FEATURES]
    header += [f"6.{TENCENT_QUESTIONS[5]}", f"7.{TENCENT_QUESTIONS[6]}"]
    rows: list[list[Cell | datetime]] = [header]
    cities = (("广东省", "深圳市"), ("上海市", "上海市"), ("浙江省", "杭州市"), ("四川省", "成都市"))
    for i, row in enumerate(wave.rows):
        begin, end = wave.times(i)
        province, city = cities[i % 4]
        picked = list(row["features"])  # type: ignore[call-overload]
        rows.append(
            [
                i + 1,
                begin,
                end,
                f"{int(str(row['minutes']))}分{i % 60}秒",
                "中国",
                province,
                city,
                ZH_SAT[int(str(row["accuracy"])) - 1],
                "" if row["speed"] is None else ZH_SAT[int(str(row["speed"])) - 1],
                ("否", "部分", "是")[int(str(row["solved"]))],
                "" if row["nps"] is None else int(str(row["nps"])),
                *(ZH_FEATURES[k] if k in picked else "" for k in range(4)),
                int(str(row["overall"])),
                comment(row, ZH_COMMENTS),
            ]
        )
    return rows


# --- Qualtrics --------------------------------------------------------------------------------------

QX_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Denver"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Denver"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Denver"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
QX_MATRIX = "How satisfied are you with the assistant on each of the following?"
QX_QUESTIONS = [
    ("Q1_1", f"{QX_MATRIX} - Accuracy of answers", '{"ImportId":"QID1_1"}'),
    ("Q1_2", f"{QX_MATRIX} - Response speed", '{"ImportId":"QID1_2"}'),
    ("Q1_3", f"{QX_MATRIX} - Ease of use", '{"ImportId":"QID1_3"}'),
    ("Q2", "Was your problem solved this time?", '{"ImportId":"QID2"}'),
    ("Q3", "Which features have you used? Select all that apply.", '{"ImportId":"QID3"}'),
    (
        "Q4",
        "How likely are you to recommend the assistant to a friend or colleague?",
        '{"ImportId":"QID4"}',
    ),
    (
        "Q4_NPS_GROUP",
        "How likely are you to recommend the assistant to a friend or colleague? - Group",
        '{"ImportId":"QID4_NPS_GROUP"}',
    ),
    ("Q5", "Overall, how satisfied are you with the assistant?", '{"ImportId":"QID5"}'),
    ("Q6", "Anything else you would like to tell us?", '{"ImportId":"QID6_TEXT"}'),
]


def qualtrics_rows(wave: Wave, *, seven_point: bool = False) -> list[list[Cell]]:
    columns = QX_META + QX_QUESTIONS
    rows: list[list[Cell]] = [[c[i] for c in columns] for i in range(3)]
    scale = QX_SAT7 if seven_point else QX_SAT
    for i, (ref, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        begin, end = wave.times(i)
        score = row["nps"]
        group = "" if score is None else (3 if int(str(score)) >= 9 else (2 if int(str(score)) >= 7 else 1))

        def sat(key: str, row: dict[str, object] = row) -> Cell:
            value = row[key]
            if value is None:
                return ""
            point = int(str(value))
            return scale[point + (1 if seven_point and point >= 3 else 0) - 1]

        rows.append(
            [
                begin.strftime("%Y-%m-%d %H:%M:%S"),
                end.strftime("%Y-%m-%d %H:%M:%S"),
                "IP Address",
                f"203.0.{i % 250}.{(i * 29) % 250}",
                100,
                (end - begin).seconds,
                "True",
                end.strftime("%Y-%m-%d %H:%M:%S"),
                f"R_{random.Random(ref + str(wave.start)).getrandbits(60):015x}"[:17],
                "",
                "",
                "",
                ref,
                f"{37 + i % 5}.{(i * 37) % 9999:04d}",
                f"-{104 + i % 3}.{(i * 53) % 9999:04d}",
                "anonymous" if i % 4 else "email",
                "EN",
                sat("accuracy"),
                sat("speed"),
                sat("ease"),
                ("No", "Partly", "Yes")[int(str(row["solved"]))],
                ",".join(EN_FEATURES[k] for k in row["features"]),  # type: ignore[attr-defined]
                "" if score is None else str(score),
                group,
                sat("overall"),
                comment(row, EN_COMMENTS),
            ]
        )
    return rows


# --- SurveyMonkey -----------------------------------------------------------------------------------

SM_META = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]
SM_MATRIX = "How satisfied are you with the assistant?"
SM_MULTI = "Which features have you used? (Select all that apply)"


def surveymonkey_rows(wave: Wave) -> list[list[Cell]]:
    first: list[Cell] = [*SM_META, SM_MATRIX, "", "Was your problem solved this time?", SM_MULTI, "", "", ""]
    first += [
        "How likely is it that you would recommend the assistant to a friend or colleague?",
        "Overall, how satisfied are you with the assistant?",
        "Anything else you would like to tell us?",
    ]
    second: list[Cell] = [""] * len(SM_META) + ["Accuracy of answers", "Response speed", "Response"]
    second += [*EN_FEATURES, "Response", "Response", "Open-Ended Response"]
    rows: list[list[Cell]] = [first, second]
    for i, (ref, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        begin, end = wave.times(i)
        picked = list(row["features"])  # type: ignore[call-overload]
        score = row["nps"]
        rows.append(
            [
                114_000_000_000 + int(ref[-4:]) * 37 + (0 if wave.start.month == 5 else 5000),
                431_552_210,
                begin.strftime("%m/%d/%Y %I:%M:%S %p"),
                end.strftime("%m/%d/%Y %I:%M:%S %p"),
                f"198.51.100.{(i * 7) % 250}",
                "",
                "",
                "",
                ref,
                EN_SAT[int(str(row["accuracy"])) - 1],
                "" if row["speed"] is None else EN_SAT[int(str(row["speed"])) - 1],
                ("No", "Partly", "Yes")[int(str(row["solved"]))],
                *(EN_FEATURES[k] if k in picked else "" for k in range(4)),
                "" if score is None else ("10 - Extremely likely" if score == 10 else str(score)),
                EN_SAT[int(str(row["overall"])) - 1],
                comment(row, EN_COMMENTS),
            ]
        )
    return rows


# --- Google Forms -----------------------------------------------------------------------------------

GF_QUESTIONS = [
    "How accurate were the assistant's answers? (1 = not at all accurate, 7 = completely accurate)",
    "How satisfied are you with the response speed?",
    "Was your problem solved this time?",
    "Which features have you used?",
    "How likely are you to recommend the assistant to a friend or colleague?",
    "Anything else you would like to tell us?",
]


def google_rows(wave: Wave, *, slip_row: int | None = None) -> list[list[Cell]]:
    rows: list[list[Cell]] = [["Timestamp", "Email Address", *GF_QUESTIONS]]
    for i, (ref, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        _, end = wave.times(i)
        accuracy = min(7, int(str(row["accuracy"])) + (1 if int(str(row["accuracy"])) >= 3 else 0) + i % 2)
        speed: Cell = "" if row["speed"] is None else int(str(row["speed"]))
        if slip_row is not None and i == slip_row:
            speed = 6  # a typing slip on the 1-5 scale
        rows.append(
            [
                end.strftime("%Y/%m/%d %I:%M:%S %p GMT+8"),
                f"{ref.lower()}@example.com",
                accuracy,
                speed,
                ("No", "Partly", "Yes")[int(str(row["solved"]))],
                ", ".join(EN_FEATURES[k] for k in row["features"]),  # type: ignore[attr-defined]
                "" if row["nps"] is None else int(str(row["nps"])),
                comment(row, EN_COMMENTS),
            ]
        )
    return rows


# --- Microsoft Forms --------------------------------------------------------------------------------

MS_QUESTIONS = [
    "How satisfied are you with the accuracy of the answers?",
    "How satisfied are you with the response speed?",
    "Was your problem solved this time?",
    "Which features have you used?",
    "How likely are you to recommend the assistant to a friend or colleague?",
    "Anything else you would like to tell us?",
]


def microsoft_rows(wave: Wave) -> list[list[Cell | datetime]]:
    meta = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    rows: list[list[Cell | datetime]] = [[*meta, *MS_QUESTIONS]]
    for i, (ref, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        begin, end = wave.times(i)
        rows.append(
            [
                i + 1,
                begin,
                end,
                f"{ref.lower()}@contoso.com",
                f"User {ref}",
                "",
                int(str(row["accuracy"])),
                "" if row["speed"] is None else int(str(row["speed"])),
                ("No", "Partly", "Yes")[int(str(row["solved"]))],
                "".join(EN_FEATURES[k] + ";" for k in row["features"]),  # type: ignore[attr-defined]
                "" if row["nps"] is None else int(str(row["nps"])),
                comment(row, EN_COMMENTS),
            ]
        )
    return rows


# --- a generic file with both languages -------------------------------------------------------------


def mixed_rows(wave: Wave) -> list[list[Cell]]:
    header: list[Cell] = [
        "用户ID / User ID",
        "提交时间",
        "Q1. 回答的准确性 Accuracy of answers",
        "Q2. 响应速度 Response speed",
        "Q3. 问题解决了吗？ Was your problem solved?",
        "Q4. NPS 推荐意愿 (0-10)",
        "Q5. 意见 Comments",
    ]
    rows: list[list[Cell]] = [header]
    for i, (ref, row) in enumerate(zip(wave.ids, wave.rows, strict=True)):
        _, end = wave.times(i)
        zh = i % 2 == 0
        sat = ZH_SAT if zh else EN_SAT
        rows.append(
            [
                ref,
                end.strftime("%Y-%m-%d %H:%M"),
                sat[int(str(row["accuracy"])) - 1],
                "N/A" if row["speed"] is None else f"{row['speed']} - {EN_SAT[int(str(row['speed'])) - 1]}",
                (("否", "部分", "是") if zh else ("No", "Partly", "Yes"))[int(str(row["solved"]))],
                "不适用" if row["nps"] is None else f"{row['nps']}分",
                comment(row, ZH_COMMENTS if zh else EN_COMMENTS),
            ]
        )
    return rows


def main() -> None:
    wjx_ids = pooled_ids("U")
    qx_ids = pooled_ids("C-")
    waves = {
        "baseline": [Wave(11, False, wjx_ids[0]), Wave(21, False, qx_ids[0])],
        "followup": [Wave(12, True, wjx_ids[1]), Wave(22, True, qx_ids[1])],
    }
    files: dict[str, bytes] = {}
    for name, (zh, en) in waves.items():
        files[f"wjx_{name}.csv"] = csv_bytes(wjx_rows(zh, by_score=name == "followup"), "gbk")
        files[f"tencent_{name}.xlsx"] = xlsx_bytes(
            tencent_rows(Wave(31 + len(name), name == "followup", zh.ids)), "Sheet1"
        )
        files[f"qualtrics_{name}.csv"] = csv_bytes(qualtrics_rows(en), "utf-8-sig")
        sm = surveymonkey_rows(en)
        files[f"surveymonkey_{name}" + (".csv" if name == "baseline" else ".xlsx")] = (
            csv_bytes(sm, "utf-8") if name == "baseline" else xlsx_bytes(sm, "Sheet")
        )
        files[f"google_forms_{name}.csv"] = csv_bytes(google_rows(en), "utf-8", "\n")
        files[f"microsoft_forms_{name}.xlsx"] = xlsx_bytes(microsoft_rows(en), "Sheet1")
    files["mixed_language_generic.csv"] = csv_bytes(mixed_rows(waves["baseline"][1]), "utf-8-sig")
    # Files that must be refused, whole or in part.
    files["bad_google_forms_six_on_five.csv"] = csv_bytes(
        google_rows(waves["baseline"][1], slip_row=4), "utf-8", "\n"
    )
    dup = wjx_rows(waves["baseline"][0], by_score=False)
    dup[8][6], dup[20][6] = dup[3][6], dup[11][6]  # two ids given twice
    files["bad_wjx_duplicate_ids.csv"] = csv_bytes(dup, "gbk")
    files["bad_qualtrics_seven_point.csv"] = csv_bytes(
        qualtrics_rows(waves["baseline"][1], seven_point=True), "utf-8-sig"
    )
    for name, data in sorted(files.items()):
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()

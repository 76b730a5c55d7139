"""Writes the sample import files next to this script: python tests/data/import/make_samples.py.

Shaped like real exports: a GBK CSV as Chinese Excel saves it (CRLF, no BOM), a UTF-8 CSV with a BOM and a
quoted multi-line post, an XLSX with real date cells, Excel serial numbers and numeric ticket ids, a JSONL
dump from a community API with epoch times and one broken line, and files that must be refused.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

GBK_HEADER = ["工单号", "客户ID", "反馈内容", "创建时间", "满意度", "优先级", "客户端版本"]
GBK_ROWS = [
    ["CS-20260503-001", "C1001", "回答太慢了，等了十几秒才出结果", "2026/5/3 14:05", "2", "高", "3.2.1"],
    [
        "CS-20260503-002",
        "C1002",
        "布洛芬的剂量推荐错了，请回电 13800138000",
        "2026/5/3 15:20",
        "1",
        "紧急",
        "3.2.1",
    ],
    [
        "CS-20260503-003",
        "C1003",
        "<script>alert('客服')</script>页面显示异常",
        "2026/5/3 16:00",
        "3",
        "中",
        "3.2.1",
    ],
    ["CS-20260504-004", "C1004", "", "2026/5/4 9:30", "4", "低", "3.2.1"],
    ["CS-20260504-005", "C1005", "语音输入识别不准确", "昨天下午", "2", "中", "3.2.1"],
    ["CS-20260504-006", "C1006", "客服态度很好，但是问题没有解决", "2026/5/4 11:12", "7", "中", "3.2.1"],
    ["CS-20260503-001", "C1001", "回答太慢了，等了十几秒才出结果", "2026/5/3 14:05", "2", "高", "3.2.1"],
    [
        "CS-20260505-007",
        "C1007",
        "更新之后经常闪退",
        "2026/5/5 8:01",
        "1",
    ],  # Excel drops empty trailing cells
]
GBK_RAGGED = "CS-20260505-008,C1008,内容里有逗号,没有加引号,2026/5/5 10:00,3,中,3.2.1"


def gbk_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(GBK_HEADER)
    writer.writerows(GBK_ROWS)
    out.write(GBK_RAGGED + "\r\n")
    out.write(",,,,,,\r\n")  # a blank row Excel leaves at the end
    return out.getvalue().encode("gbk")


def bom_csv() -> bytes:
    rows = [
        ["post_id", "user_id", "text", "created_at", "rating", "language"],
        ["p-9001", "u-42", "The answer about ibuprofen dosage was wrong", "2026-05-03T14:05:00Z", "2", "en"],
        [
            "p-9002",
            "u-43",
            "Love the new voice input!\nBut it fails on drug names.",
            "2026-05-03T18:30:00+08:00",
            "4",
            "en",
        ],
        ["p-9003", "u-44", "回答很专业，帮了大忙", "03/05/2026", "5", "zh-CN"],
        ["p-9004", "u-45", "Email me at li.lei@example.com if you need logs", "2026-05-04 09:15", "", "en"],
        ["p-9005", "u-46", "It cited a study that does not exist", "May 4, 2026", "4/5", "English"],
        ["p-9006", "u-47", "界面太复杂了，老人家不会用", "2026年5月4日 14:05", "★★☆☆☆", ""],
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "工单导出"
    sheet.append(["工单编号", "用户ID", "内容", "日期", "评分", "严重程度", "客户类型"])
    sheet.append([20260501, 5001, "药物相互作用的回答不准确", datetime(2026, 5, 1, 10, 30), 2, 3, "医院"])
    sheet.append([20260502, 5002, "希望支持导出报告", 46145.5, 4, 1, "个人"])  # an Excel serial date
    sheet.append([20260503, 5003, "Voice input fails in noisy rooms", "2026年5月3日", 3, "P1", "个人"])
    sheet.append([20260504, 5004, "回答里的参考文献不存在", "not a date", 1, 4, "医院"])
    sheet.append([None, None, None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def jsonl() -> bytes:
    lines = [
        {
            "id": 7001,
            "author": "alice",
            "content": "App crashes when I open history",
            "posted_at": 1777788300,
            "score": 1,
            "tags": ["crash", "history"],
        },
        {
            "id": 7002,
            "author": "bob",
            "content": "回答太慢",
            "posted_at": "2026-05-03T10:00:00+08:00",
            "score": 2,
        },
        {
            "id": 7003,
            "author": "carol",
            "content": "Great update, much faster now",
            "posted_at": 1777874700000,
            "score": 5,
            "meta": {"device": "iPhone"},
        },
    ]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    text += '\n{"id": 7004, "author": "dave", "content": "broken line\n'  # cut off mid-record
    text += "\n" + json.dumps({"id": 7005, "author": "erin", "content": "", "posted_at": 1777788300}) + "\n"
    return text.encode("utf-8")


def main() -> None:
    files = {
        "cs_tickets_gbk.csv": gbk_csv(),
        "community_posts_bom.csv": bom_csv(),
        "cs_export.xlsx": xlsx(),
        "community_posts.jsonl": jsonl(),
        "empty.csv": b"",
        "header_only.csv": "工单号,反馈内容,创建时间\r\n".encode("gbk"),
        "sales_wrong_columns.csv": "订单号,金额,下单日期\n100023,199.00,2026-05-01\n100024,89.50,2026-05-02\n".encode(),
        "image_renamed.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()

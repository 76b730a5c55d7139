"""The import page through Streamlit's AppTest: upload, column matching, report, import, bad files, zh/en.

AppTest drives st.file_uploader here (Streamlit 1.67), so every step runs as a user would click it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, unit_of_work
from db.models import AuditEvent, Feedback
from db.users import create_user
from db.workspace import create_product, create_round
from tests.apphelpers import texts
from tests.conftest import ROOT
from ui.auth import SignedIn

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

SAMPLES = ROOT / "tests" / "data" / "import"
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "jsonl": "application/jsonl"}  # fmt: skip


@pytest.fixture
def workspace(db_url, monkeypatch) -> dict:
    """A migrated database with one product and one user per role; the app points at it."""
    from db import migrate

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        create_round(session, product.id, "Round 1")
        users = {
            role: create_user(session, name, "correct horse battery", role, actor="test").id
            for name, role in (("ada", "admin"), ("ann", "analyst"), ("vic", "viewer"))
        }
    yield {"engine": engine, "product_id": product.id, "users": users}
    engine.dispose()


def open_page(workspace: dict, role: str = "analyst", lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "import_feedback.py"), default_timeout=180)
    at.session_state["lang"] = lang
    name = {"admin": "ada", "analyst": "ann", "viewer": "vic"}[role]
    at.session_state["auth_user"] = SignedIn(workspace["users"][role], name, role)
    at.session_state["workspace_product_id"] = workspace["product_id"]
    return at.run()


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    content = data if data is not None else (SAMPLES / name).read_bytes()
    at.file_uploader(key="import_file").set_value(
        (name, content, MIME.get(name.rsplit(".", 1)[-1], "text/csv"))
    )
    return at.run()


def stored(workspace: dict) -> list[Feedback]:
    with unit_of_work(workspace["engine"]) as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def test_an_analyst_imports_a_gbk_export_once(workspace):
    at = open_page(workspace)
    assert not at.exception
    at = upload(at, "cs_tickets_gbk.csv")
    assert not at.exception
    assert "Read 9 rows and 7 columns (CSV, encoding GBK/GB18030)." in texts(at)
    assert at.selectbox(key=next(k for k in keys(at) if k.startswith("import_map_text_"))).value == "反馈内容"
    assert at.dataframe[0].value.shape[0] == 8  # the preview: the row with too many cells is set aside
    at = at.button(key="import_check").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Rows in the file": "9",
        "Ready to import": "4",
        "Rejected": "5",
        "Personal data redacted": "1",
    }
    report = at.dataframe[-1].value
    assert report["Row"].tolist() == [5, 6, 7, 8, 10]
    assert report["Reason"].tolist() == [
        "The text is empty",
        "Not a date that can be read: 昨天下午",
        "The rating is not between 1 and 5: 7",
        "Repeats row 2",
        "The row has 8 cells but the header has 7 columns (an unquoted comma in the text?)",
    ]
    assert at.get("download_button")[0].label == "Download the report (CSV)"
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert "Import finished: 4 added, 0 were imported before, 5 rows rejected." in texts(at)
    rows = stored(workspace)
    assert len(rows) == 4 and all(r.channel == "customer_service" for r in rows)
    assert "13800138000" not in " ".join(r.text for r in rows)
    # The same file again (a new upload of it): nothing is added.
    at = upload(open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    at = at.button(key="import_run").click().run()
    assert "Import finished: 0 added, 4 were imported before, 5 rows rejected." in texts(at)
    assert len(stored(workspace)) == 4
    with unit_of_work(workspace["engine"]) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback.import")).all()
    assert [(e.actor, e.detail["added"]) for e in events] == [("ann", 4), ("ann", 0)]


def keys(at: AppTest) -> list[str]:
    return [w.key for w in at.selectbox if w.key]


def test_the_page_in_chinese(workspace):
    at = upload(open_page(workspace, lang="zh"), "cs_tickets_gbk.csv")
    assert "已读取 9 行、7 列" in texts(at)
    at = at.button(key="import_check").click().run()
    reasons = at.dataframe[-1].value["原因"].tolist()
    assert reasons[0] == "内容为空" and reasons[3] == "与第 2 行重复"
    at = at.button(key="import_run").click().run()
    assert "导入完成：新增 4 条，0 条之前已导入，5 行被拒绝。" in texts(at)


@pytest.mark.parametrize(
    ("name", "channel", "added"),
    [("community_posts_bom.csv", "community", 6), ("cs_export.xlsx", "customer_service", 3),
     ("community_posts.jsonl", "community", 3)],
)  # fmt: skip
def test_bom_csv_xlsx_and_jsonl(workspace, name, channel, added):
    at = upload(open_page(workspace), name)
    at.selectbox(key="import_channel").set_value(channel)
    at = at.button(key="import_check").click().run()
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert f"Import finished: {added} added" in texts(at)
    assert {r.channel for r in stored(workspace)} == {channel}


@pytest.mark.parametrize(
    ("name", "data", "en", "zh"),
    [
        ("empty.csv", None, "The file is empty.", "文件是空的。"),
        ("header_only.csv", None, "The file has no data rows", "文件中没有数据行"),
        (
            "image_renamed.csv",
            None,
            "The file's text encoding cannot be recognised",
            "无法识别文件的文字编码",
        ),
        ("broken.xlsx", b"PK\x03\x04 not a workbook", "The file is damaged", "文件已损坏"),
        ("notes.json", b"not json at all\n", "The file is damaged", "文件已损坏"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_files_get_a_clear_message_and_store_nothing(workspace, name, data, en, zh, lang):
    at = upload(open_page(workspace, lang=lang), name, data)
    assert not at.exception
    assert (en if lang == "en" else zh) in " ".join(e.value for e in at.error)
    assert not _has(at, "import_check")
    assert stored(workspace) == []


def _has(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


def test_an_oversized_file_is_refused(workspace, monkeypatch):
    from analytics import importing

    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1024 * 1024)  # 1 MB instead of 200, for the test
    at = upload(open_page(workspace), "big.csv", b"text\n" + b"slow\n" * 220_000)
    assert not at.exception
    assert "The file is larger than the 1 MB limit." in " ".join(e.value for e in at.error)
    assert stored(workspace) == []


def test_a_file_without_a_text_column_says_so(workspace):
    at = upload(open_page(workspace), "sales_wrong_columns.csv")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "No column looks like the feedback text" in warning and "订单号" in warning
    assert "Choose the column that holds the feedback text" in " ".join(e.value for e in at.error)
    assert not _has(at, "import_check")
    # Picking a column of numbers as the text draws a warning.
    text_key = next(k for k in keys(at) if k.startswith("import_map_text_"))
    at.selectbox(key=text_key).set_value("金额")
    at = at.run()
    assert "mostly numbers, dates or ids" in " ".join(w.value for w in at.warning)


def test_a_changed_mapping_asks_for_a_new_check(workspace):
    at = upload(open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    assert _has(at, "import_run")
    rating_key = next(k for k in keys(at) if k.startswith("import_map_rating_"))
    at.selectbox(key=rating_key).set_value("")
    at = at.run()
    assert "The column choice or options changed" in texts(at)
    assert not _has(at, "import_run")


def test_html_in_the_text_is_stored_as_text(workspace):
    at = upload(open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    at = at.button(key="import_run").click().run()
    assert any(r.text == "<script>alert('客服')</script>页面显示异常" for r in stored(workspace))
    assert "<script>" not in " ".join(m.value for m in at.markdown)


def test_a_viewer_cannot_import(workspace):
    at = open_page(workspace, role="viewer")
    assert "Your role does not have access to this page." in texts(at)
    assert not at.file_uploader


def test_a_database_error_stores_nothing_and_says_so(workspace, monkeypatch):
    import db.feedback
    from db.engine import DatabaseProblem

    def fail(*args, **kwargs):
        raise DatabaseProblem("failed", "sqlite:///x", "disk full")

    at = upload(open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    monkeypatch.setattr(db.feedback, "audit", fail)  # fails after the rows were written
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert "reported an error; the operation was cancelled and no data was changed" in texts(at)
    with unit_of_work(workspace["engine"]) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_every_reason_problem_and_field_has_both_languages():
    from analytics import importing
    from ui.i18n import STRINGS

    keys = [f"import.reason.{r}" for r in importing.REASONS]
    keys += [f"import.problem.{p}" for p in importing.PROBLEMS]
    keys += [f"import.field.{f}" for f in importing.FIELDS]
    assert [k for k in keys if k not in STRINGS] == []
    values = {"value": "x", "length": 1, "limit": 2, "first_row": 3, "cells": 4, "expected": 5, "limit_mb": 6}
    values["ratio"] = 7  # compressed_too_much: the zip ratio limit (analytics.upload_limits)
    for key in keys:
        for text in STRINGS[key]:
            assert "{" not in text.format(**values), key  # every placeholder is one the code fills


def test_a_large_file_goes_through_the_page(workspace):
    from bench.import_throughput import synthetic_csv

    at = upload(open_page(workspace), "tickets_20k.csv", synthetic_csv(20_000))
    assert "Read 20,000 rows and 8 columns (CSV, encoding UTF-8 (BOM))." in texts(at)
    at = at.button(key="import_check").click().run()
    accepted = int(next(m.value for m in at.metric if m.label == "Ready to import"))
    assert 19_000 < accepted < 20_000
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert f"Import finished: {accepted} added" in texts(at)
    with unit_of_work(workspace["engine"]) as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == accepted


def test_a_product_deleted_before_the_import_stores_nothing(workspace):
    from db.models import Product

    at = upload(open_page(workspace), "cs_tickets_gbk.csv")
    at = at.button(key="import_check").click().run()
    with unit_of_work(workspace["engine"]) as session:
        session.execute(Product.__table__.delete())  # another admin deletes the product meanwhile
    at = at.button(key="import_run").click().run()
    assert not at.exception
    assert "No product yet" in texts(at)
    assert stored(workspace) == []

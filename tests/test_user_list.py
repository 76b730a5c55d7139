"""Importing a user list (services.user_list) from XLSX and CSV: keys pseudonymised, blanks and repeats counted."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from analytics.importing import ImportProblem
from analytics.pseudonym import pseudonymise
from db.engine import unit_of_work
from db.population import population_frame
from db.settings import respondent_key_secret
from db.workspace import create_product
from services import user_list


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["UID", "Region", "Plan", "Signed up"])
    sheet.append([1001, "north", "pro", datetime(2026, 1, 5)])
    sheet.append([1002, "south", "free", datetime(2026, 2, 7)])
    sheet.append([None, "south", "free", None])
    sheet.append([1001, "east", "free", None])  # repeated key: the first row stays
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_list_is_stored_with_pseudonymised_keys(engine: Engine) -> None:
    table = user_list.read_user_list(_xlsx(), "users.xlsx")
    assert user_list.guess_key_column(table.columns) == "UID"
    with unit_of_work(engine) as session:
        product = create_product(session, "P")
        result = user_list.store_user_list(session, product.id, table, "UID", "ann")
        secret = respondent_key_secret(session)
    assert (result.stored, result.blank_keys, result.repeated_keys) == (2, 1, 1)
    assert result.attributes == ("Region", "Plan", "Signed up")
    with unit_of_work(engine) as session:
        frame = population_frame(session, product.id).set_index("user_key")
    first = frame.loc[pseudonymise("1001", secret)]
    assert (first["Region"], first["Plan"], first["Signed up"]) == ("north", "pro", "2026-01-05")
    margins = user_list.margins(frame.reset_index(), ["Region"])
    assert dict(zip(margins["value"], margins["users"], strict=True)) == {"north": 1, "south": 1}


def test_a_gbk_csv_is_read_and_other_kinds_are_refused() -> None:
    table = user_list.read_user_list("用户id,地区\nu1,华东\nu2,华北\n".encode("gb18030"), "users.csv")
    assert table.columns == ["用户id", "地区"] and table.rows[0][1] == "华东"
    assert user_list.guess_key_column(table.columns) == "用户id"
    with pytest.raises(ImportProblem) as err:
        user_list.read_user_list(b'{"a": 1}\n', "users.jsonl")
    assert err.value.code == "unsupported_type"

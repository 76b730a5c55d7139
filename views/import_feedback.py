"""Import customer-service records and community posts: upload, match columns, check, store."""

from typing import Any

import streamlit as st
from sqlalchemy.exc import IntegrityError

from analytics import importing, upload_limits
from db.feedback import IMPORT_CHANNELS
from db.settings import respondent_key_secret
from services.feedback_import import import_file
from ui import nav
from ui.file_upload import file_uploader
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction

TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
)
DAY_ORDERS = {"auto": None, "day_first": True, "month_first": False}
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16", "gb18030": "GBK/GB18030"}
PREVIEW_ROWS = 20

LIMIT_MB = max(1, importing.MAX_FILE_BYTES // (1024 * 1024))
ctx = open_page(nav.IMPORT_FEEDBACK, title_key="import.title", no_workspace_key="import.no_product")
user, selection = ctx.user, ctx.selection
st.caption(
    t(
        "import.intro",
        limit_mb=LIMIT_MB,
        max_rows=f"{upload_limits.Limits.from_env().max_rows:,}",
        max_chars=f"{importing.MAX_TEXT_CHARS:,}",
        product=selection.product_name,
    )
)


def show(bar: Any, done: int, total: int, key: str) -> None:
    """Move a progress bar to done of total, labelled with the string `key`."""
    bar.progress(done / max(total, 1), text=t(key))


def forget_file() -> None:
    """Drop the file read and the rows checked from the session: a big file holds hundreds of MB."""
    for key in ("import_table", "import_prepared"):
        st.session_state.pop(key, None)


def read_upload(uploaded: Any) -> tuple[str, importing.Table]:
    """The uploaded file as a table, read once per upload and kept for the reruns that follow."""
    token = f"{uploaded.file_id}:{uploaded.name}:{uploaded.size}"
    cached = st.session_state.get("import_table")
    if cached is None or cached[0] != token:
        del cached
        forget_file()  # the previous file's rows, before this one's are read beside them
        try:
            with st.spinner(t("import.reading")):
                data = uploaded.getvalue()
                table = importing.read_table(data, uploaded.name, max_bytes=importing.MAX_FILE_BYTES)
        except importing.ImportProblem as problem:
            st.error(t(f"import.problem.{problem.code}", **problem.values))
            st.stop()
        st.session_state["import_table"] = (token, table)
    stored: tuple[str, importing.Table] = st.session_state["import_table"]
    return stored


def render_mapping(token: str, table: importing.Table) -> dict[str, str | None]:
    """Which column of the file holds each field, guessed first; returns field -> column or None."""
    st.subheader(t("import.mapping"))
    st.caption(t("import.mapping_help"))
    guess = importing.guess_mapping(table.columns)
    if guess["text"] is None:
        st.warning(t("import.no_text_guess", columns=plain(", ".join(table.columns[:20]))))
    # "" stands for "not in the file": a None option would read as "nothing selected".
    options = ["", *table.columns]
    # Labels made in this run: AppTest calls format_func outside the run, where t() cannot see the language.
    labels = {"": t("import.not_in_file"), **{c: c for c in table.columns}}
    mapping: dict[str, str | None] = {}
    left, right = st.columns(2)
    for i, name in enumerate(importing.FIELDS):
        choice = (left if i % 2 == 0 else right).selectbox(
            t(f"import.field.{name}"),
            options,
            index=options.index(guess[name] or ""),
            format_func=labels.__getitem__,
            key=f"import_map_{name}_{token}",
        )
        mapping[name] = choice or None
    chosen = [c for c in mapping.values() if c]
    twice = sorted({c for c in chosen if chosen.count(c) > 1})
    if twice:
        st.warning(t("import.same_column_twice", columns=plain(", ".join(twice))))
    return mapping


def render_preview(table: importing.Table, mapping: dict[str, str | None]) -> None:
    """The first rows of the file as they would be read with `mapping`."""
    frame = importing.preview(table, mapping, PREVIEW_ROWS)
    labels = {"row": t("import.row"), **{name: t(f"import.field.{name}") for name in importing.FIELDS}}
    st.caption(t("import.preview", n=min(PREVIEW_ROWS, len(table.rows))))
    st.dataframe(frame.rename(columns=labels), hide_index=True)


def reason_text(rejected: importing.Rejected) -> str:
    """Why a row was rejected, in the user's language."""
    return t(f"import.reason.{rejected.reason}", value=rejected.value, **rejected.values)


def render_report(prepared: importing.Prepared) -> None:
    """The check's result: rows read, accepted, rejected and redacted; the rejected rows, downloadable."""
    accepted, rejected = len(prepared.records), prepared.rejected_rows
    cells = st.columns(4)
    cells[0].metric(t("import.summary_rows"), prepared.total_rows)
    cells[1].metric(t("import.summary_accepted"), accepted)
    cells[2].metric(t("import.summary_rejected"), rejected)
    cells[3].metric(t("import.summary_pii"), sum(prepared.pii_counts.values()))
    if not prepared.rejected:
        st.success(t("import.all_good"))
        return
    st.subheader(t("import.report"))
    st.caption(t("import.report_intro"))
    report = importing.report_frame(prepared.rejected, reason_text).rename(
        columns={
            "row": t("import.report.row"),
            "column": t("import.report.column"),
            "reason": t("import.report.reason"),
            "value": t("import.report.value"),
        }
    )
    st.dataframe(report, hide_index=True)
    st.download_button(
        t("import.report_download"),
        importing.report_csv(report),
        file_name="import_report.csv",
        mime="text/csv",
        key="import_report_download",
        icon=":material/download:",
    )


def check_rows(
    signature: tuple[Any, ...], table: importing.Table, mapping: dict[str, str | None], zone: str, order: str
) -> None:
    """Check every row with a progress bar; the result is kept, with `signature`, for later reruns."""
    with transaction() as session:
        secret = respondent_key_secret(session)
    bar = st.progress(0.0, text=t("import.checking"))
    prepared = importing.prepare(
        table,
        mapping,
        secret=secret,
        timezone=zone,
        day_first=DAY_ORDERS[order],
        progress=lambda done, total: show(bar, done, total, "import.checking"),
    )
    bar.empty()
    st.session_state["import_prepared"] = (signature, prepared)


def store_rows(prepared: importing.Prepared, channel: str, file_name: str) -> None:
    """Store the accepted rows as the selected product's feedback; say how many were added or skipped."""
    assert selection is not None
    bar = st.progress(0.0, text=t("import.storing"))
    try:
        with transaction() as session:
            result = import_file(
                session,
                prepared,
                product_id=selection.product_id,
                channel=channel,
                actor=user.username,
                file_name=file_name,
                progress=lambda done, total: show(bar, done, total, "import.storing"),
            )
    except IntegrityError:  # e.g. the product was deleted meanwhile; a DatabaseProblem stops the page
        bar.empty()
        st.error(t("import.failed"))
        return
    bar.empty()
    forget_file()  # stored: the file's rows and records need not stay in this session's memory
    st.success(
        t("import.done", added=result.added, already=result.already_stored, rejected=result.rejected_rows)
    )
    st.toast(t("import.toast", added=result.added), icon=":material/check_circle:")


uploaded = file_uploader(
    t("import.file"), ["csv", "tsv", "txt", "xlsx", "jsonl", "ndjson", "json"], "import_file", LIMIT_MB
)
channel = st.selectbox(
    t("import.channel"),
    IMPORT_CHANNELS,
    format_func={c: t(f"channel.{c}") for c in IMPORT_CHANNELS}.__getitem__,
    key="import_channel",
)
if uploaded is None:
    forget_file()
    st.stop()

token, table = read_upload(uploaded)
st.caption(
    t(
        "import.read",
        rows=f"{table.n_rows:,}",
        columns=len(table.columns),
        kind=table.kind.upper(),
        encoding=ENCODINGS.get(table.encoding or "", table.encoding) or t("import.encoding_none"),
    )
)
mapping = render_mapping(token, table)
if mapping["text"] is None:
    st.error(t("import.problem.no_text_column"))
    st.stop()
if importing.text_column_looks_wrong(table, mapping["text"]):
    st.warning(t("import.text_looks_wrong"))
zone_column, order_column = st.columns(2)
zone = zone_column.selectbox(t("import.timezone"), TIMEZONES, key="import_timezone")
order = order_column.selectbox(
    t("import.day_order"),
    list(DAY_ORDERS),
    format_func={o: t(f"import.order.{o}") for o in DAY_ORDERS}.__getitem__,
    key="import_order",
)
if mapping["created_at"] is None:
    st.info(t("import.no_date_column"))
render_preview(table, mapping)

signature = (token, tuple(sorted((k, v or "") for k, v in mapping.items())), zone, order)
if st.button(t("import.check"), key="import_check", type="primary"):
    check_rows(signature, table, mapping, zone, order)
checked = st.session_state.get("import_prepared")
if checked is None:
    st.stop()
if checked[0] != signature:
    st.info(t("import.stale"))
    st.stop()
prepared: importing.Prepared = checked[1]
render_report(prepared)
if not prepared.records:
    st.warning(t("import.nothing_to_import"))
    st.stop()
if st.button(t("import.run", n=len(prepared.records)), key="import_run", type="primary"):
    store_rows(prepared, channel, uploaded.name)

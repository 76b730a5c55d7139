"""Importing feedback: a checked file's rows stored in one transaction and audited; the HTTP API's items.

The API's items go through the file import's own checks (``analytics.importing.prepare``): the same
validation, redaction, pseudonyms and duplicate keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from analytics.hashing import key_hash
from analytics.importing import Prepared, Record, Table, prepare
from analytics.pii import redact
from analytics.progress import Progress
from db.feedback import ImportResult, store_import, store_records


def import_file(
    session: Session,
    prepared: Prepared,
    *,
    product_id: int,
    channel: str,
    actor: str,
    file_name: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Store the accepted rows of a checked file (see db.feedback.store_import) and audit the import.

    The file's name is redacted before the audit log keeps it: people name exports after customers.

    Args:
        session: the caller's transaction; every row and the audit event land together, or nothing.
        prepared: the checked, redacted rows (analytics.importing).
        product_id: the product the feedback is about.
        channel: one of db.feedback.IMPORT_CHANNELS.
        actor: the staff user importing.
        file_name: the uploaded file's name.
        progress: called with (rows written, rows to write).

    Returns:
        How many rows were read, added, already stored and rejected.
    """
    return store_import(
        session,
        prepared,
        product_id=product_id,
        channel=channel,
        actor=actor,
        file_label=redact(file_name, names=False).text,
        progress=progress,
    )


# --------------------------------------------------------------------------------------------------
# Items sent to the HTTP API: the same checks, redaction, pseudonyms and duplicate keys as a file
# --------------------------------------------------------------------------------------------------

#: The fields an item may have, and the import field each becomes (channel is the item's own).
ITEM_FIELDS = {
    "text": "text",
    "rating": "rating",
    "created_at": "created_at",
    "respondent_key": "customer_id",
    "external_id": "source_ref",
    "app_version": "app_version",
    "model_version": "model_version",
    "lang": "language",
}
ITEM_CHANNELS = ("in_app", "customer_service", "community", "other")  # survey comments come from surveys
DEFAULT_ITEM_CHANNEL = "in_app"
#: Why an item was refused besides the import's REASONS: not an object, a field that is not one of
#: the item's, a channel not in ITEM_CHANNELS, a value that is a list or an object.
ITEM_REASONS = ("not_an_object", "unknown_field", "channel_unknown", "bad_value")


@dataclass(frozen=True)
class ItemProblem:
    """Why the item at `index` (0-based, as sent) was refused; `reason` is one of REASONS or ITEM_REASONS."""

    index: int
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class CheckedItems:
    """Items checked and redacted, ready to store: each record with its channel, and the refused ones."""

    records: list[tuple[Record, str]]
    problems: list[ItemProblem]
    repeats: int  # items that repeat an earlier one of the same request


_FIELD_OF_COLUMN = {column: name for name, column in ITEM_FIELDS.items()}


def _plain(value: object) -> bool:
    """Whether an item's value can be a cell of the import's table: a string, a number or null."""
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def check_items(
    items: Sequence[object], *, secret: bytes, timezone: str, now: datetime | None = None
) -> CheckedItems:
    """Check API items as an import checks a file's rows: the same rules, redaction and pseudonyms.

    Each item is an object with a text or a rating (1-5) and optionally channel (default in_app),
    external_id, respondent_key, created_at (read in `timezone` when it names no zone; the time of
    receipt when absent), app_version, model_version and lang. Items with a date and items without
    are checked apart, as a file with a date column and one without: an undated item is identified by
    its respondent and text, as an undated file's row is. An item with an external_id is identified by
    it alone: sending it again, in any channel, adds nothing.

    Args:
        items: The request's items, as parsed from JSON.
        secret: For pseudonymising respondent keys (``db.settings.respondent_key_secret``).
        timezone: The zone of times written without one (the product's time zone).
        now: The time of receipt.

    Returns:
        The records to store with their channels, the refused items by index, the repeats.
    """
    now = now or datetime.now(UTC)
    problems: list[ItemProblem] = []
    channels: dict[int, str] = {}
    tables: dict[bool, list[tuple[int, dict[str, object]]]] = {True: [], False: []}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(ItemProblem(index, "not_an_object"))
            continue
        unknown = [name for name in item if name not in ITEM_FIELDS and name != "channel"]
        if unknown:
            problems.append(ItemProblem(index, "unknown_field", str(unknown[0])[:60]))
            continue
        channel = item.get("channel") or DEFAULT_ITEM_CHANNEL
        if channel not in ITEM_CHANNELS:
            problems.append(ItemProblem(index, "channel_unknown", "channel"))
            continue
        bad = [name for name, value in item.items() if name != "channel" and not _plain(value)]
        if bad:
            problems.append(ItemProblem(index, "bad_value", bad[0]))
            continue
        cells = {ITEM_FIELDS[name]: value for name, value in item.items() if name != "channel"}
        channels[index] = str(channel)
        dated = cells.get("created_at") not in (None, "")
        tables[dated].append((index, cells))
    records: list[tuple[Record, str]] = []
    repeats = 0
    for dated, rows in tables.items():
        if not rows:
            continue
        columns = [c for c in ITEM_FIELDS.values() if dated or c != "created_at"]
        table = Table(
            kind="jsonl",
            columns=columns,
            rows=[[cells.get(column) for column in columns] for _, cells in rows],
            row_numbers=[index for index, _ in rows],
        )
        prepared = prepare(
            table,
            {column: column for column in columns},
            secret=secret,
            timezone=timezone,
            now=now,
            rating_alone=True,
        )
        for rejected in prepared.rejected:
            if rejected.reason == "duplicate_in_file":
                repeats += 1
            else:
                field = _FIELD_OF_COLUMN.get(rejected.column or "")
                problems.append(ItemProblem(rejected.row, rejected.reason, field))
        for record in prepared.records:
            if record.source_ref:
                record.dedup_basis = key_hash("external_id", record.source_ref)
            records.append((record, channels[record.row]))
    # One reason per item (the first found), in the order sent.
    first: dict[int, ItemProblem] = {}
    for problem in sorted(problems, key=lambda p: p.index):
        first.setdefault(problem.index, problem)
    return CheckedItems(records, list(first.values()), repeats)


def store_items(session: Session, product_id: int, checked: CheckedItems) -> tuple[int, int]:
    """Store checked API items in the caller's transaction; returns (stored, duplicates).

    Duplicates are the items stored before (by an earlier request, or under the same external_id)
    and the repeats within the request.
    """
    added = store_records(session, product_id, checked.records, by_source_ref=True)
    return added, len(checked.records) - added + checked.repeats

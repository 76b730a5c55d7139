"""Importing a checked file of feedback: its rows stored in one transaction, the import audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from analytics.importing import Prepared
from analytics.pii import redact
from analytics.progress import Progress
from db.feedback import ImportResult, store_import


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

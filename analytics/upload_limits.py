"""Limits on uploaded files, checked before a file is unpacked or read whole.

A 3.8 MB zip-bomb XLSX once kept the import busy for five minutes and 2 GB; a 199 MB CSV peaked at
2.2 GB. Three limits, each an environment setting (README, "Configuration"):

* ``RECTIFY_IMPORT_MAX_ROWS`` (500,000): rows of a file; reading stops at the first row past it.
* ``RECTIFY_IMPORT_MAX_UNZIPPED_MB`` (500): what an XLSX unpacks to, all its parts together, from
  the sizes its zip directory declares (Python's zipfile never unpacks more than that size).
* ``RECTIFY_IMPORT_MAX_ZIP_RATIO`` (100): unpacked size over packed size of an XLSX that unpacks to
  more than 10 MB. Real workbooks stay under about 20; a zip bomb is near 1,000.

An XLSX whose XML declares a document type (``<!DOCTYPE``, the home of entity declarations) is
refused too: Excel never writes one, and XXE and "billion laughs" attacks need one. openpyxl also
parses with defusedxml, which refuses the same when a declaration hides further into a part.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

ROWS_ENV = "RECTIFY_IMPORT_MAX_ROWS"
UNZIPPED_ENV = "RECTIFY_IMPORT_MAX_UNZIPPED_MB"
RATIO_ENV = "RECTIFY_IMPORT_MAX_ZIP_RATIO"
DEFAULT_MAX_ROWS = 500_000
DEFAULT_MAX_UNZIPPED_MB = 500
DEFAULT_MAX_ZIP_RATIO = 100
RATIO_FLOOR_BYTES = 10 * 1024 * 1024  # below this a high ratio costs nothing (empty styles compress well)
_PROLOG_BYTES = 64 * 1024  # a document type comes before the root element, in the first bytes of a part

T = TypeVar("T")


class ImportProblem(ValueError):
    """A file that cannot be imported at all; `code` (one of PROBLEMS) picks the translated message.

    `values` fill the message's placeholders (e.g. the size limit).
    """

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Limits:
    """How big a file the import accepts.

    Attributes:
        max_rows: Rows of data (blank rows and the header not counted).
        max_unzipped_bytes: What an XLSX may unpack to.
        max_zip_ratio: Unpacked over packed size, for an XLSX that unpacks to more than 10 MB.
    """

    max_rows: int = DEFAULT_MAX_ROWS
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_MB * 1024 * 1024
    max_zip_ratio: int = DEFAULT_MAX_ZIP_RATIO

    @classmethod
    def from_env(cls) -> Limits:
        """The limits set in the environment, the defaults where nothing is set.

        Raises:
            ValueError: A setting that is not a whole number above zero, naming the variable.
        """
        return cls(
            max_rows=_setting(ROWS_ENV, DEFAULT_MAX_ROWS),
            max_unzipped_bytes=_setting(UNZIPPED_ENV, DEFAULT_MAX_UNZIPPED_MB) * 1024 * 1024,
            max_zip_ratio=_setting(RATIO_ENV, DEFAULT_MAX_ZIP_RATIO),
        )


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number above zero, not {os.environ[name]!r}")
    return int(raw)


def check_workbook(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX that would unpack to too much, or whose XML declares entities, before opening it.

    Raises:
        ImportProblem: unreadable (not a zip), unzipped_too_large (values limit_mb),
            compressed_too_much (values ratio), unsafe_xml.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            unpacked = sum(part.file_size for part in parts)
            packed = sum(part.compress_size for part in parts)
            if unpacked > limits.max_unzipped_bytes:
                raise ImportProblem("unzipped_too_large", limit_mb=limits.max_unzipped_bytes // (1024 * 1024))
            if unpacked > RATIO_FLOOR_BYTES and unpacked > limits.max_zip_ratio * max(packed, 1):
                raise ImportProblem("compressed_too_much", ratio=limits.max_zip_ratio)
            for part in parts:
                if part.filename.endswith((".xml", ".rels", ".vml")):
                    with archive.open(part) as stream:
                        prolog = stream.read(_PROLOG_BYTES)
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        raise ImportProblem("unsafe_xml")
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, zlib.error) as err:
        # RuntimeError: an encrypted part; zlib.error: a damaged one; NotImplementedError: an odd method.
        raise ImportProblem("unreadable") from err


def capped(rows: Iterable[tuple[int, T]], max_rows: int, header_rows: int = 1) -> Iterator[tuple[int, T]]:
    """`rows` as they come, stopping with too_many_rows at the first row numbered past the limit.

    The number is the row as the user finds it (the spreadsheet row, the CSV record, the JSONL
    line), so a file holds at most `max_rows` rows of data below its `header_rows`. Counting row
    numbers rather than rows also stops a workbook that jumps to row 2,000,000,000 in a few bytes
    (openpyxl hands out every empty row before it).

    Raises:
        ImportProblem: too_many_rows (values limit).
    """
    for number, cells in rows:
        if number > max_rows + header_rows:
            raise ImportProblem("too_many_rows", limit=f"{max_rows:,}")
        yield number, cells

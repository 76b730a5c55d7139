"""Installation-wide settings stored in the database, and the pseudonym secret kept outside it.

The secret that turns respondent keys into pseudonyms must not sit in the database it protects (a
copy of the file would carry both). It comes from RECTIFY_SECRET_KEY, else from a file: the path in
RECTIFY_SECRET_FILE, else ``<database name>.secret`` next to a SQLite file, else
``$XDG_CONFIG_HOME/rectify/secret`` (``~/.config/rectify/secret``). A missing file is made once
with a random secret, readable by its owner only (0600).

The database keeps only a fingerprint of the secret (a keyed hash that cannot be turned back into
it), so a secret that changed (a lost file, a replica without the variable) is noticed at start
(:func:`check_secret`) instead of pairing and deletion silently finding nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import unit_of_work
from db.models import AppSetting
from db.users import audit

SECRET_ENV = "RECTIFY_SECRET_KEY"
SECRET_FILE_ENV = "RECTIFY_SECRET_FILE"
LEGACY_SECRET_SETTING = "respondent_key_secret"  # where earlier versions kept the secret itself
FINGERPRINT_SETTING = "respondent_key_secret_fingerprint"
_FINGERPRINT_CONTEXT = b"rectify: fingerprint of the respondent key secret"

log = logging.getLogger(__name__)


def get_setting(session: Session, key: str) -> str | None:
    """The stored value of setting `key`, or None when it was never set."""
    return session.scalar(select(AppSetting.value).where(AppSetting.key == key))


def _add_setting_once(session: Session, key: str, value: str) -> None:
    try:
        with session.begin_nested():  # another replica may add it at the same moment
            session.add(AppSetting(key=key, value=value))
    except IntegrityError:
        pass


def secret_file(url: URL) -> Path:
    """Where the secret file for the database at `url` is (RECTIFY_SECRET_FILE wins)."""
    configured = os.environ.get(SECRET_FILE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    database = url.database or ""
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        path = Path(database)
        return path.with_name(f"{path.stem}.secret")
    config = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(config) / "rectify" / "secret"


def _read(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not value:
        raise ValueError(f"the secret file {path} is empty")
    return value


def _write_new(path: Path, value: str) -> str:
    """Write `value` to a new file readable by its owner only; a file made meanwhile wins.

    The value is written to a private temporary file first and then linked into place: a reader in
    another thread or process sees no file or the whole secret, never an empty file being written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(value + "\n")
        try:
            os.link(temporary, path)  # fails when the file exists, so the first writer wins
        except FileExistsError:  # another process or replica made it first: use theirs
            existing = _read(path)
            assert existing is not None
            return existing
    finally:
        os.unlink(temporary)
    log.info("the respondent key secret was written to %s (mode 0600)", path)
    return value


def fingerprint(secret: bytes) -> str:
    """A short keyed hash of the secret: equal for the same secret, and it does not reveal it."""
    return hmac.new(secret, _FINGERPRINT_CONTEXT, hashlib.sha256).hexdigest()[:16]


def respondent_key_secret(session: Session) -> bytes:
    """The secret for pseudonymising respondent keys (see the module's docstring for where it lives).

    A new installation gets a random secret in the file; the first use stores its fingerprint.

    Raises:
        ValueError: the secret file is empty.
        OSError: the secret file cannot be read or made.
    """
    value = os.environ.get(SECRET_ENV, "").strip()
    if not value:
        path = secret_file(session.get_bind().engine.url)
        value = _read(path) or _write_new(
            # An older version's secret in the database moves out unchanged (see move_secret_out).
            path,
            get_setting(session, LEGACY_SECRET_SETTING) or secrets.token_hex(32),
        )
    secret = value.encode("utf-8")
    if get_setting(session, FINGERPRINT_SETTING) is None:  # the first pseudonym: remember whose it is
        _add_setting_once(session, FINGERPRINT_SETTING, fingerprint(secret))
    return secret


@dataclass(frozen=True)
class SecretCheck:
    """Whether the secret in use is the one this database's pseudonyms were made with.

    Attributes:
        changed: True when the stored fingerprint differs from the secret in use.
        source: where the secret in use comes from (the variable's name or the file's path).
        stored: the stored fingerprint; current: the secret in use's.
    """

    changed: bool
    source: str
    stored: str
    current: str


def secret_source(engine: Engine) -> str:
    """Where the secret in use comes from, for messages: the variable's name or the file's path."""
    return SECRET_ENV if os.environ.get(SECRET_ENV, "").strip() else str(secret_file(engine.url))


def check_secret(session: Session) -> SecretCheck:
    """Compare the secret in use with the fingerprint stored in the database.

    A database without a fingerprint (made before fingerprints were kept) stores the current one.
    """
    current = fingerprint(respondent_key_secret(session))
    stored = get_setting(session, FINGERPRINT_SETTING)
    if stored is None:
        _add_setting_once(session, FINGERPRINT_SETTING, current)
        stored = get_setting(session, FINGERPRINT_SETTING) or current
    return SecretCheck(stored != current, secret_source(session.get_bind().engine), stored, current)


def accept_secret(session: Session, actor: str) -> None:
    """Take the secret in use as this database's from now on (earlier pseudonyms no longer match it)."""
    current = fingerprint(respondent_key_secret(session))
    before = get_setting(session, FINGERPRINT_SETTING)
    session.execute(delete(AppSetting).where(AppSetting.key == FINGERPRINT_SETTING))
    session.add(AppSetting(key=FINGERPRINT_SETTING, value=current))
    audit(session, actor, "secret.accept", "setting", FINGERPRINT_SETTING, {"from": before, "to": current})


def move_secret_out(session: Session) -> bool:
    """Move an older version's in-database secret out, unchanged, and keep only its fingerprint.

    With RECTIFY_SECRET_KEY set the stored secret was never used (the variable won), so it is only
    deleted. When the secret file already holds a different secret, nothing is moved or deleted:
    the start-up check then reports the difference.

    Returns:
        True when a secret was deleted from the database (its space should then be reclaimed).
    """
    legacy = get_setting(session, LEGACY_SECRET_SETTING)
    if legacy is None:
        return False
    if not os.environ.get(SECRET_ENV, "").strip():
        path = secret_file(session.get_bind().engine.url)
        kept = _read(path) or _write_new(path, legacy)
        if kept != legacy:
            log.warning("the secret file %s differs from the secret in the database; both are kept", path)
            return False
    if get_setting(session, FINGERPRINT_SETTING) is None:
        _add_setting_once(session, FINGERPRINT_SETTING, fingerprint(respondent_key_secret(session)))
    session.execute(delete(AppSetting).where(AppSetting.key == LEGACY_SECRET_SETTING))
    return True


def secret_warning(engine: Engine) -> str | None:
    """For command lines: a warning line when the secret in use is not this database's, else None.

    A secret that cannot be read gives a warning line too (a job that needs it fails where it does).
    """
    try:
        with unit_of_work(engine) as session:
            check = check_secret(session)
    except (OSError, ValueError) as err:
        return f"warning: the respondent key secret cannot be read or made ({err})"
    if not check.changed:
        return None
    return (
        f"warning: the respondent key secret in use ({check.source}, fingerprint {check.current}) is not "
        f"the one this database's respondents were keyed with (fingerprint {check.stored}); earlier "
        "respondents will not pair with new answers and deletion by customer id will not find them. "
        "Restore the previous secret, or accept the new one on the Admin page."
    )

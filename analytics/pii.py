"""Find and redact personal data in feedback text before anything is stored.

Every piece of feedback passes through :func:`redact` on its way into the database (DESIGN.md, flow 1),
so this module is tuned for two things at once: nothing personal may slip through, and an import of
100,000 short rows must not stall. Detection is rule-based (compiled regular expressions plus check
digits) with one optional dictionary look-up for Chinese names; it needs no model and no network.

Found spans are replaced by typed placeholders:

====================  ===============================================================================
placeholder           what it replaces
====================  ===============================================================================
``[SECRET]``          the password in ``scheme://user:password@host``, the value of secret-looking URL
                      query parameters (``token=``, ``access_token=``, ``api_key=``, ``key=``,
                      ``password=``, ``secret=``, ``sig=``, ``signature=``, ``auth=`` ...), bearer tokens
                      and a few well-known API key shapes (``sk-...``, ``ghp_...``, ``AKIA...``); the
                      rest of the URL is kept
``[EMAIL]``           e-mail addresses
``[IP]``              IPv4 (every octet <= 255) and IPv6 addresses (validated by :mod:`ipaddress`)
``[ID_NUMBER]``       Chinese resident ID numbers: 18 characters with a valid ISO 7064 MOD 11-2 check
                      character, or the old 15-digit form; both need a real province code and birth date
``[BANK_CARD]``       13-19 digit card numbers, ungrouped or grouped by spaces or dashes, Luhn-valid and
                      starting like a payment card (2-series Mastercard, 3, 4, 5, 6 or 9)
``[PHONE]``           Chinese mobiles (optional +86 / 0086 / 86), Chinese landlines (``010-12345678``,
                      ``(010)12345678``), international ``+CC`` numbers, North American ``415-555-0132``
``[NAME]``            person names next to a cue: "my name is ...", "Dr. ...", "我叫...", "...医生"
``[IBAN]``            international bank account numbers with a right mod-97 check (python-stdnum)
``[SSN]``             US social security numbers 123-45-6789 (area 000, 666 and 9xx, group 00 and serial
                      0000 are never issued and survive); 9 digits without dashes only after "SSN"
``[PASSPORT]``        mainland passports (E/G + 8 digits, E + letter + 7 digits); other passports only
                      right after 护照 / passport
``[QQ]``              QQ numbers (5-11 digits) right after "QQ" / "qq号"
``[WECHAT]``          WeChat ids right after 微信 / wechat / wx / vx (a plain English word only when marked
                      as an id: "微信号：", "wechat id is"), and internal ``wxid_...`` ids anywhere
``[LICENSE_PLATE]``   mainland car plates, 京A12345 and the 8-character new-energy 粤BD12345
``[BIRTH_DATE]``      a full date (or 年/月) right after 出生 / 生日 / DOB / date of birth / born
``[ADDRESS]``         mainland addresses down to a house number or a building (省/市/区 ... 路 88 号, 小区 3 栋)
                      and English street addresses (1600 Pennsylvania Avenue, Apt 4B, City, ST 12345)
====================  ===============================================================================

Hong Kong identity cards (A123456(3), the bracketed check character right) and Taiwan IDs
(A123456789, check digit right) are ``[ID_NUMBER]`` too; without brackets a Hong Kong number needs an
ID word before it.

Decisions worth knowing:

* Order matters (:data:`ENTITY_TYPES`): secrets, e-mails and IPs first, then IBANs, ID numbers, SSNs
  and passports before bank cards before phones, then the cued and shaped types (QQ, WeChat, plates,
  dates of birth, addresses), then names. A span never overlaps one found earlier, nor an IBAN-shaped
  number whose check digits are wrong.
* A number that fails its check (an 18-digit order number with a wrong MOD 11-2 character, a 16-digit
  order number that fails Luhn) survives unchanged, as do versions, prices, dates, times, durations,
  percentages, model names, counts, hashes and status codes. An 18-digit number laid out like an ID
  (province code and birth date) is never taken for a card, whatever Luhn says.
* The old 15-digit ID has no check digit, so it also needs an ID word shortly before it (身份证,
  证件, 医保, 社保, ID); a bare 15-digit serial number survives.
* Card numbers must also start like a payment card, so millisecond timestamps (13 digits starting
  with 1) and date-led order numbers (2024...) survive even when Luhn happens to pass.
* An IPv4-shaped version number survives when it follows a version cue (``version``, ``ver``, ``v``,
  ``build``, ``版本``, ``版本号``) or a product name and slash as in a user agent (``Chrome/120.0.0.0``).
  Anywhere else ``1.2.3.4`` is an address.
* Company hotlines (``400-820-8820``) are phone-shaped and redacted like any other phone number.
* International numbers are checked with the ``phonenumbers`` package when it is installed (right
  length for the country); without it any ``+CC`` number of 8-15 digits counts.
* Names are found only next to a cue, to keep precision high: English after "my name is", "I'm",
  "Dr."/"Mr."/"Ms.", "Nurse", "my son" ...; Chinese after 我叫 / 姓名 / 联系人 / 患者 / 家长 ...
  or before a title (医生, 老师, 经理, 同学 ...). A Chinese name is a common surname plus one or two
  given-name characters, and jieba's dictionary turns away ordinary words (高兴, 信息, 陈述). A name
  without a cue survives, and so does a bare surname with a title (王老师, 李医生); ``Dr. Li`` is
  redacted.
* Fullwidth digits and letters (``１３８``, ``＠``), mathematical digits (``𝟏𝟑𝟖``) and other scripts'
  decimal digits are read as ASCII, and characters that show nothing (zero-width space and joiners,
  BOM, soft hyphen, bidi marks, variation selectors) are skipped, so "138\u200b0013\u200b8000" is a
  phone number. Offsets still refer to the original text, and those characters stay where they were
  outside the spans found.

Entities record the type and the span in the original text, never the value, so nothing personal
outlives the call.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from stdnum import iban as _iban
from stdnum.iso7064 import mod_97_10 as _mod_97_10
from stdnum.us import ssn as _ssn

_phonenumbers: Any
try:  # pragma: no cover - exercised by whichever environment runs the tests
    import phonenumbers as _phonenumbers
except ImportError:  # pragma: no cover
    # Without the package international numbers are accepted on length alone (8-15 digits with the
    # country code), which is what the ITU allows; the package only adds per-country lengths.
    _phonenumbers = None

__all__ = [
    "ADDRESS",
    "BANK_CARD",
    "BIRTH_DATE",
    "EMAIL",
    "ENTITY_TYPES",
    "IBAN",
    "ID_NUMBER",
    "IP",
    "LICENSE_PLATE",
    "NAME",
    "PASSPORT",
    "PHONE",
    "PLACEHOLDERS",
    "QQ",
    "SECRET",
    "SSN",
    "WECHAT",
    "Entity",
    "Redaction",
    "cn_id_check_char",
    "hk_id_check_char",
    "is_valid_cn_id",
    "is_valid_luhn",
    "is_valid_tw_id",
    "redact",
    "redact_many",
]

SECRET: Final = "SECRET"
EMAIL: Final = "EMAIL"
IP: Final = "IP"
ID_NUMBER: Final = "ID_NUMBER"
BANK_CARD: Final = "BANK_CARD"
PHONE: Final = "PHONE"
NAME: Final = "NAME"
IBAN: Final = "IBAN"
SSN: Final = "SSN"
PASSPORT: Final = "PASSPORT"
QQ: Final = "QQ"
WECHAT: Final = "WECHAT"
LICENSE_PLATE: Final = "LICENSE_PLATE"
BIRTH_DATE: Final = "BIRTH_DATE"
ADDRESS: Final = "ADDRESS"

#: Entity types in the order they are looked for.
ENTITY_TYPES: Final[tuple[str, ...]] = (
    SECRET, EMAIL, IP, IBAN, ID_NUMBER, SSN, PASSPORT, BANK_CARD, PHONE, QQ, WECHAT, LICENSE_PLATE,
    BIRTH_DATE, ADDRESS, NAME,
)  # fmt: skip
#: The text that replaces each entity type.
PLACEHOLDERS: Final[Mapping[str, str]] = {t: f"[{t}]" for t in ENTITY_TYPES}


class Entity(NamedTuple):
    """One piece of personal data found in a text.

    Attributes:
        type: One of :data:`ENTITY_TYPES`.
        start: Offset of the first character in the original text.
        end: Offset just past the last character in the original text.
    """

    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    """The result of :func:`redact`.

    Attributes:
        text: The text with every entity replaced by its placeholder.
        entities: What was found, ordered by position; spans refer to the original text and no
            original value is kept.
    """

    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Number of entities per type, only for types that were found."""
        return dict(Counter(e.type for e in self.entities))


# --------------------------------------------------------------------------------------------------
# Check digits
# --------------------------------------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    """Build a set from whitespace-separated words, which reads better than a long list literal."""
    return frozenset(words.split())


_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS: Final = "10X98765432"
# First two digits of a resident ID: the province-level division (GB/T 2260), including Taiwan, Hong
# Kong and Macau. Checking it turns away most long order numbers before any arithmetic.
_ID_PROVINCES: Final = _word_set(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"
)


def cn_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of a Chinese resident ID.

    Args:
        first17: The first 17 digits.

    Returns:
        One of ``0123456789X``.

    Raises:
        ValueError: If ``first17`` is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("first17 must be 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _valid_birth_date(year: int, month: int, day: int) -> bool:
    try:
        born = _dt.date(year, month, day)
    except ValueError:
        return False
    return _dt.date(1900, 1, 1) <= born <= _dt.date.today()


def is_valid_cn_id(value: str) -> bool:
    """Tell whether ``value`` is a plausible Chinese resident ID number.

    18-character IDs need a known province code, a real birth date and the right check character
    (``x`` and ``X`` both accepted). 15-digit IDs (issued before 1999) have no check character, so
    only the province code and the birth date (19YYMMDD) are checked.

    Args:
        value: The ID without spaces or dashes.

    Returns:
        True when every check passes.
    """
    if not value.isascii():
        return False
    if len(value) == 18:
        body, check = value[:17], value[17].upper()
        if not body.isdigit() or body[:2] not in _ID_PROVINCES:
            return False
        if not _valid_birth_date(int(body[6:10]), int(body[10:12]), int(body[12:14])):
            return False
        return cn_id_check_char(body) == check
    if len(value) == 15 and value.isdigit():
        return value[:2] in _ID_PROVINCES and _valid_birth_date(
            1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])
        )
    return False


def is_valid_luhn(digits: str) -> bool:
    """Tell whether a string of digits passes the Luhn (mod 10) check used by payment cards.

    Args:
        digits: ASCII digits only, check digit last.

    Returns:
        True when the check digit is right; False for empty or non-digit input.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def hk_id_check_char(prefix: str, digits: str) -> str:
    """Return the check character of a Hong Kong identity card number (``A123456(3)``).

    Args:
        prefix: The one or two capital letters.
        digits: The six digits after them.

    Returns:
        One of ``0123456789A``.

    Raises:
        ValueError: If the parts are not one or two ASCII capitals and six ASCII digits.
    """
    if not (1 <= len(prefix) <= 2 and prefix.isascii() and prefix.isalpha() and prefix.isupper()):
        raise ValueError("prefix must be one or two capital letters")
    if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
        raise ValueError("digits must be six ASCII digits")
    # A one-letter prefix counts as a space (36) before it; letters are 10-35, weights 9 down to 2.
    values = [36 if len(prefix) == 1 else ord(prefix[0]) - 55, ord(prefix[-1]) - 55, *map(int, digits)]
    check = -sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    return "A" if check == 10 else str(check)


# Taiwan ID letters stand for the two-digit codes of the issuing city or county (I, O, W, X, Y, Z
# came later, hence the order).
_TW_LETTER_CODES: Final = {ch: 10 + i for i, ch in enumerate("ABCDEFGHJKLMNPQRSTUVXYWZIO")}


def is_valid_tw_id(value: str) -> bool:
    """Tell whether ``value`` is a Taiwan national ID or resident certificate number with a right check digit.

    Args:
        value: One capital letter and nine digits (the first 1 or 2 for citizens, 8 or 9 for residents).

    Returns:
        True when the shape and the check digit are right.
    """
    if len(value) != 10 or not value.isascii() or value[0] not in _TW_LETTER_CODES:
        return False
    if not value[1:].isdigit() or value[1] not in "1289":
        return False
    code = _TW_LETTER_CODES[value[0]]
    total = code // 10 + (code % 10) * 9
    total += sum(int(d) * w for d, w in zip(value[1:9], range(8, 0, -1), strict=True)) + int(value[9])
    return total % 10 == 0


def _looks_like_card_number(digits: str) -> bool:
    # Luhn alone lets one random number in ten through, and feedback is full of long order numbers,
    # millisecond timestamps (13 digits starting with 1) and dates (starting with 19/20). Payment
    # cards start with 2221-2720 (Mastercard 2-series), 3 (Amex, JCB, Diners), 4 (Visa),
    # 5 (Mastercard), 6 (UnionPay, Discover) or 9 (some older Chinese domestic debit cards).
    first = digits[0]
    if first == "2":
        if not 2221 <= int(digits[:4]) <= 2720:
            return False
    elif first not in "345692":
        return False
    return 13 <= len(digits) <= 19 and is_valid_luhn(digits)


# --------------------------------------------------------------------------------------------------
# Patterns (compiled once at import)
# --------------------------------------------------------------------------------------------------

# Fullwidth forms (U+FF01..FF5E) and the ideographic space map one to one onto ASCII, so offsets in
# the normalised copy equal offsets in the original. Chinese keyboards produce "１３８..." and "＠".
_FULLWIDTH_TABLE: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Translating costs a few microseconds, so only texts with a fullwidth character that a pattern
# needs (digits, letters, "@", "+", or a bracket before a digit as in "（010）") are translated;
# plain fullwidth punctuation ("，", "：") is common and harmless.
_FULLWIDTH: Final = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0b]|（[0-9]")
# Characters that show nothing (zero-width space, joiners, BOM, soft hyphen, bidi marks, variation
# selectors, Hangul fillers): pasted or typed between digits they would hide "138\u200b0013\u200b8000"
# from every pattern. Detection reads the text without them; the stored text keeps them outside the
# spans found. Mathematical letters and digits (U+1D400-1D7FF) and non-ASCII decimal digits ("١٣٨")
# are read through NFKC / their digit value.
_INVISIBLE: Final = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
_INVISIBLE_RE: Final = re.compile(f"[{_INVISIBLE}]")
# The decimal digits of the scripts most likely in Rectify's feedback (Arabic-Indic, Persian, Devanagari,
# Bengali, Thai, Myanmar): one character class is searched ten times faster than a test of every \\d.
_OTHER_DIGITS: Final = "\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef\u0e50-\u0e59\u1040-\u1049"
_NEEDS_MAPPING: Final = re.compile(f"[{_INVISIBLE}{_OTHER_DIGITS}\U0001d400-\U0001d7ff\ufe6b]")
# Any character of the two above, in one search: most texts have none, and then this is all they cost.
# (A plain class: the alternation with "（[0-9]" made every text's search three times slower.)
_ANY_ODD: Final = re.compile(
    f"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff20\uff0b{_INVISIBLE}{_OTHER_DIGITS}\U0001d400-\U0001d7ff\ufe6b]"
)

# ASCII-only boundaries: in Python's re, \b and \w treat Han characters as word characters, so
# "电话13800138000" would otherwise have no boundary before the number.
_A = "(?<![0-9A-Za-z])"
_Z = "(?![0-9A-Za-z])"

# Cheap gates: most feedback has none of these, and then no detector for that family runs.
_DIGIT: Final = re.compile("[0-9]")
_ASCII_LETTER: Final = re.compile("[A-Za-z]")
# Every phone, ID and card number has at least seven digits with at most two separators between any two.
_NUMBERISH: Final = re.compile(r"[0-9](?:[ ()\-.]{0,2}[0-9]){6}")
_CAPITAL_DIGIT: Final = re.compile("[A-Z][0-9]")
_ASCII_UPPER: Final = re.compile("[A-Z]")
_IP_GATE: Final = re.compile(r"[0-9]\.[0-9]|[0-9A-Fa-f]?::?[0-9A-Fa-f]")

_URL_USERINFO: Final = re.compile(r"(?i)(?<![a-z0-9+.\-])[a-z][a-z0-9+.\-]*://[^\s/?#@:]+:([^\s/?#@]+)@")
# A separator-prefixed name ("x-amz-signature", "client_secret", "cache_key") also counts: wrongly
# hiding a harmless value costs far less than leaking a credential.
_URL_SECRET_PARAM: Final = re.compile(
    r"(?i)[?&;#](?:[a-z0-9]+[_\-.])*"
    r"(?:access_token|refresh_token|id_token|token|api_?key|apikey|key|password|passwd|pwd|secret"
    r"|sig|signature|auth|sessionid|session_id|sid|credential|credentials)"
    r"=([A-Za-z0-9._~%+/=:\-]+)"
)
_TOKEN_SHAPES: Final = re.compile(
    _A + r"(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}"
    r"|AKIA[0-9A-Z]{16})" + _Z
)
_BEARER: Final = re.compile(r"(?<![A-Za-z])[Bb]earer\s+([A-Za-z0-9._~+/\-]{20,}=*)")

_EMAIL_RE: Final = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)

_IPV6_CANDIDATE: Final = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Za-z:]|\.[0-9])"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_RE: Final = re.compile(
    r"(?<![0-9A-Za-z.])" + rf"{_OCTET}(?:\.{_OCTET}){{3}}" + r"(?![0-9A-Za-z]|\.[0-9])"
)
# What comes right before a version number written like an address; see the module docstring.
_VERSION_BEFORE: Final = re.compile(
    r"(?i)(?:(?<![a-z])(?:version|ver|v|build|release|rev)\.?|版本号?|[a-z]/)\s*[:：=]?\s*$"
)

# IDs, cards and mobiles may touch Latin letters ("身份证110105...X号", "手机13800138000AI打不通"):
# the check digits (or the mobile prefix) keep that safe, while shorter or unchecked numbers keep
# the strict boundaries so that parts of hashes, SKUs and model names are left alone.
_DIGIT_A = "(?<![0-9])"
_DIGIT_Z = "(?![0-9])"
_ID18_RE: Final = re.compile(
    _DIGIT_A + r"[1-9][0-9]{5}[ \-]?(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[ \-]?[0-9]{3}[0-9Xx]" + _DIGIT_Z
)
_ID_CUE_BEFORE: Final = re.compile(r"(?i)身份|证件|证号|医保|社保|(?<![a-z])(?:id|identity|ic)(?![a-z])")
_ID15_RE: Final = re.compile(
    _A + r"[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}" + _Z
)

_CARD_RE: Final = re.compile(
    _DIGIT_A + r"(?:[0-9]{13,19}"
    r"|[0-9]{4}(?:([ \-])[0-9]{4}){2,3}(?:[ \-][0-9]{1,3})?"  # 4-4-4-4(-3), the usual print
    r"|[0-9]{4}[ \-][0-9]{6}[ \-][0-9]{4,5}"  # Amex / Diners 4-6-5
    r"|[0-9]{6}[ \-][0-9]{7,13})" + _DIGIT_Z  # UnionPay written as BIN + rest
)

_CN_MOBILE_RE: Final = re.compile(
    r"(?<![0-9+])(?:(?:\+86|0086|86)[ \-]?|\(\+?86\)[ \-]?)?1[3-9][0-9](?:[ \-]?[0-9]{4}){2}"
    r"(?![0-9]|\.[0-9])"
)
_CN_LANDLINE_RE: Final = re.compile(
    _A + r"(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2}[ \-]?)[ ]?[2-9][0-9]{2,3}[ \-]?[0-9]{4}"
    r"(?:[ ]?(?:转|ext\.?|x|-)[ ]?[0-9]{1,5})?(?![0-9]|\.[0-9])"
)
_INTL_PHONE_RE: Final = re.compile(
    r"(?<![0-9A-Za-z+])\+[1-9][0-9]{0,3}(?:[ .\-]?\(?[0-9]{1,5}\)?){1,6}(?![0-9]|\.[0-9])"
)
_NANP_RE: Final = re.compile(
    r"(?<![0-9A-Za-z+])(?:1[ .\-])?(?:\([2-9][0-9]{2}\)[ ]?|[2-9][0-9]{2}[ .\-])[2-9][0-9]{2}[ .\-][0-9]{4}"
    r"(?![0-9]|\.[0-9])"
)

# --- Account numbers and identity documents beyond the mainland ID -----------------------------------
# IBAN: country, two check digits, then 11-30 letters and digits, printed in groups of four. The
# mod-97 check (python-stdnum, which also knows each country's length) decides.
_IBAN_RE: Final = re.compile(
    r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,3})?(?![0-9A-Za-z])"
)
# US social security numbers: 123-45-6789 anywhere; 9 digits or spaces only after an SSN cue.
_SSN_RE: Final = re.compile(r"(?<![0-9A-Za-z\-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9A-Za-z]|-[0-9])")
_SSN_CUED_RE: Final = re.compile(
    r"(?i)(?<![a-z])(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is|was|[:#])?\s*"
    r"([0-9]{3}[ ]?[0-9]{2}[ ]?[0-9]{4})(?![0-9])"
)
# Passports: the mainland's E/G + 8 digits (or E + letter + 7 digits) anywhere; other countries'
# numbers (6-9 characters, mostly digits) only right after a passport cue.
_CN_PASSPORT_RE: Final = re.compile(r"(?<![0-9A-Za-z])(?:[EG][0-9]{8}|E[A-HJ-NP-Z][0-9]{7})(?![0-9A-Za-z])")
_PASSPORT_CUED_RE: Final = re.compile(
    r"(?i)(?:护照|passport)(?:号码|号|\s*(?:number|no\.?|#))?\s*(?:是|为|is|[:：])?\s*"
    r"((?-i:[A-Z]{0,2}[0-9]{6,9}))(?![0-9A-Za-z])"
)
# Hong Kong: A123456(3) anywhere (the bracketed check character is the usual print), A1234563 only
# after an ID cue. Taiwan: A123456789; both need their check character.
_HK_ID_RE: Final = re.compile(
    r"(?<![0-9A-Za-z])([A-Z]{1,2})([0-9]{6})(?:\(([0-9A])\)|([0-9A]))(?![0-9A-Za-z])"
)
_HK_ID_CUE: Final = re.compile(r"(?i)身份|证件|hkid|(?<![a-z])(?:id|identity)(?![a-z])")
_TW_ID_RE: Final = re.compile(r"(?<![0-9A-Za-z])[A-Z][1289][0-9]{8}(?![0-9A-Za-z])")
# Messaging accounts, only next to their cue: a bare 5-11 digit number is as often a count or a code.
_QQ_RE: Final = re.compile(
    r"(?i)(?<![a-z])qq\s*(?:号码|号|number|no\.?|id)?\s*(?:是|为|is|[:：])?\s*([1-9][0-9]{4,10})(?![0-9]|[.\-/][0-9])"
)
_WECHAT_RE: Final = re.compile(
    r"(?i)(?:微信|(?<![a-z])(?:wechat|weixin|wx|vx)(?![a-z])|v信)(?P<marked>\s*(?:号码|号|id))?\s*"
    r"(?P<colon>是|为|is|[:：])?\s*(?P<id>[A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])"
)
_WECHAT_INTERNAL_ID: Final = re.compile(r"(?<![A-Za-z0-9_])wxid_[a-z0-9]{8,24}(?![A-Za-z0-9_])")
# Vehicle plates: province character, city letter (no I or O), then five characters with at least
# one digit, or six for new-energy cars (D/F first or last); an optional dot or space after the letter.
_PLATE_RE: Final = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•\- ]?"
    r"(?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])(?![0-9A-Za-z])"
)
# Dates of birth: a date right after a birth cue; a date anywhere else (a booking, a release) survives.
_BIRTH_CUE: Final = (
    r"(?:出生(?:日期|年月日|年月)?|生日|(?i:(?<![a-z])(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthday"
    r"|born(?:\s+on)?)(?![a-z])))"
)
_MONTH = r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_BIRTH_DATE_RE: Final = re.compile(
    _BIRTH_CUE + r"\s*(?:是|为|于|在|(?i:is|was|on))?\s*[:：]?\s*(?P<date>"
    r"(?:19|20)[0-9]{2}(?:[\-/.](?:0?[1-9]|1[0-2])[\-/.](?:0?[1-9]|[12][0-9]|3[01])"
    r"|年\s?(?:0?[1-9]|1[0-2])月(?:\s?(?:0?[1-9]|[12][0-9]|3[01])[日号])?"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"
    r"|[0-9]{1,2}[\-/.][0-9]{1,2}[\-/.](?:19|20)[0-9]{2}"
    rf"|{_MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)[0-9]{{2}}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?:19|20)[0-9]{{2}}"
    r")(?![0-9])"
)
_EN_BIRTH_CUES: Final = ("dob", "d.o.b", "birth", "born")
# Mainland addresses: optional province / city / district / town, then a road and a house number
# ("朝阳区建国路88号"), or an estate and a building ("阳光小区3栋"); then any unit, floor and room.
# Place names are kept short (2-4 characters) so that the words before an address stay outside it.
_ZH_ADDRESS_RE: Final = re.compile(
    r"(?:[\u4e00-\u9fff]{2,3}?(?:省|自治区|特别行政区))?"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:市|自治州|州|盟|地区))?"
    r"(?:[\u4e00-\u9fff]{1,3}?(?:区|县|旗))?"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:街道|镇|乡))?"
    r"(?:[\u4e00-\u9fff0-9]{1,4}?(?:大道|大街|路|街|巷|胡同|里)[0-9]{1,5}(?:-[0-9]{1,4})?[号弄]"
    r"|[\u4e00-\u9fff]{2,6}?(?:小区|花园|公寓|大厦|家园|新村|苑)[0-9]{1,4}(?:号楼|栋|幢|座))"
    r"(?:[0-9A-Za-z]{1,4}(?:号楼|栋|幢|座|单元|楼|层|室|号|户)){0,4}"
)
# Words that lead into an address and are not part of it ("住在", "寄到", "地址是").
_ZH_ADDRESS_LEAD: Final = frozenset(
    "在是到于送寄住去往从的了址为不也都还就要想请把给让被和与跟向搬回有我你他她家：:，, "
)
_EN_STREET_RE: Final = re.compile(
    r"(?<![0-9A-Za-z])[0-9]{1,5}[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Terrace|Parkway|Pkwy"
    r"|Highway|Hwy)(?![A-Za-z])\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?\s*#?[0-9A-Za-z\-]{1,6})?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:,?\s+[A-Z]{2}\s+[0-9]{5}(?:-[0-9]{4})?)?)?"
)
# Where a mainland address ends in a number: the address pattern runs only in a window before each.
_ZH_ADDRESS_ANCHOR: Final = re.compile(r"[0-9](?:-[0-9]{1,4})?(?:[号弄栋幢座])")
_ZH_ADDRESS_REACH: Final = 32  # characters before the number: province, city, district, town and road
_EN_STREET_GATE: Final = re.compile(r"[0-9]\s+(?:[NSEW]\.?\s+)?[A-Z][a-z]")

# --- English names ---------------------------------------------------------------------------------
_EN_NAME = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
# Capitalised words that follow "I'm" or a title without being a name. Kept short on purpose: the
# cue already makes a name likely, this only removes the frequent exceptions.
_EN_NOT_NAMES: Final = _word_set(
    """
    A An The Not So Very Really Just Still Also Sure Happy Sorry Glad Here Back Done Fine Good Okay Ok
    Using Trying Looking Writing Asking Working Going Getting Afraid Unable Able Confused Frustrated
    Disappointed Impressed Satisfied Tired Annoyed Worried Curious Wondering New Old Currently Now
    Chinese English American British Canadian Australian Indian Japanese Korean German French Spanish
    Italian Russian Singaporean Malaysian European Asian Christian Muslim Catholic Buddhist
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Google Siri Alexa Claude Gemini Copilot Bard Kimi
    Qwen Llama Mistral Chat Premium Pro Plus Free Student Teacher Doctor Nurse Patient Customer User
    In On At From With For Of To And Or But If When Who What Here There This That These Those
    Team Support Everyone All Staff Admin Anonymous Right Maybe
    """
)
_EN_NAME_CUE: Final = re.compile(
    r"(?<![A-Za-z])(?:(?i:my\s+name\s+is|my\s+name's|name\s*:|i\s+am\s+called|call\s+me|signed\s*:?"
    r"|(?:best\s+|kind\s+|warm\s+)?regards,|sincerely,)"
    r"|(?P<weak>I'm|I’m|I\s+am)"
    r"|(?:Dr|Mr|Mrs|Ms|Mx|Prof)(?![A-Za-z])\.?"
    r"|(?:[Dd]octor|[Pp]rofessor|[Nn]urse|[Tt]eacher|[Cc]oach|[Ll]awyer|[Aa]dvisor|[Aa]dviser)"
    r"|(?i:my\s+(?:son|daughter|child|kid|student|patient|wife|husband|mother|father|mom|mum|dad|colleague"
    r"|friend|teacher|doctor|tutor|advisor|manager)))"
    rf"\s+(?P<name>{_EN_NAME}(?:[ \t]+{_EN_NAME})?)(?![A-Za-z])"
)
# Substrings that every cue above contains. Checking them with ``in`` costs well under a microsecond,
# while the cue pattern (an alternation sre cannot index) costs 10-20 us on any text.
_EN_CASED_CUES: Final = ("Dr", "Mr", "Ms", "Mx", "Prof", "I'm", "I’m", "I am")
_EN_LOWER_CUES: Final = (
    "name", "regards", "sincerely", "signed", "call me", "doctor", "professor", "nurse", "teacher", "coach",
    "lawyer", "advis", "my ",
)  # fmt: skip
# After "I'm" a single capitalised word is often not a name ("I'm Very happy"), so that cue wants two
# words or a clear end of the phrase (punctuation, "and", "from", end of text).
_EN_WEAK_END: Final = re.compile(r"\s*(?:[,.;:!?)]|$|\s(?:and|from|here|speaking|again)\b)")

# --- Chinese names ---------------------------------------------------------------------------------
# jieba's segmentation (HMM included) glues names to their neighbours too often to be trusted at a
# name's edges ("叫江霞", "请叶娟|同学", "贺铭泽说"), and its part-of-speech tagger costs about 0.7 ms
# for a 12-character window. Names are therefore anchored on cue words and cut by rules: a surname,
# then one or two given-name characters; jieba's dictionary (word counts and its "nr" person-name
# tag) then decides whether the candidate is really vocabulary ("高兴", "信息", "陈述").
_HAN: Final = re.compile("[\u4e00-\u9fff]")
# Words right before a name. After a "strong" one any surname-led word is a name, even one the
# dictionary knows as a common name or word ("我叫高峰", "我叫文静"); after a "weak" one the given
# name must be made of usual given-name characters and must not be common vocabulary.
_ZH_STRONG_BEFORE: Final = ("我叫", "名叫", "叫做", "姓名", "名字是", "名字叫", "联系人", "签名", "署名", "本人是")  # fmt: skip
_ZH_WEAK_BEFORE: Final = (
    "我是", "叫", "本人", "患者", "病人", "学生", "家长", "客户", "顾客", "用户", "孩子", "儿子", "女儿",
    "同事", "朋友", "老公", "老婆", "丈夫", "妻子", "妈妈", "爸爸", "母亲", "父亲", "班主任", "主治医生",
    "主治医师", "医生", "医师", "老师", "经理", "主任", "护士", "律师", "顾问", "专员", "客服专员",
    "理财经理", "客户经理",
)  # fmt: skip
# Titles right after a name: "张伟医生", "王芳老师".
_ZH_TITLES_AFTER: Final = (
    "医生", "医师", "大夫", "护士", "老师", "教授", "主任", "经理", "先生", "女士", "小姐", "同学",
    "律师", "顾问", "专员", "院长", "校长", "助教", "导师", "教练", "会计", "行长", "总监", "师傅",
)  # fmt: skip
_ZH_CUE_WORDS: Final = frozenset(_ZH_STRONG_BEFORE + _ZH_WEAK_BEFORE + _ZH_TITLES_AFTER)
# Longest first, so that "客户经理" wins over "客户". A plain alternation like this one is searched
# about ten times faster than a lookahead form that would also report overlapping cues.
_ZH_CUE_ANY: Final = re.compile("|".join(map(re.escape, sorted(_ZH_CUE_WORDS, key=len, reverse=True))))
_ZH_CUE_SEPARATORS: Final = frozenset(" :：\t")
# The most common single-character surnames (well over 90 % of people) and the compound ones.
_ZH_SURNAMES: Final = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_ZH_COMPOUND_SURNAMES: Final = _word_set(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 司徒 夏侯 尉迟 公孙 长孙 宇文 轩辕 端木 独孤 南宫 西门 百里"
)
# Characters common in given names. Function words are left out on purpose ("和", "于", "是", "上"),
# so that "老师和我说" or "用户于是" never read as names.
_ZH_GIVEN_CHARS: Final = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂华建国志晓子涵浩然欣怡梓萱宇轩一诺思远嘉雨桐俊文博佳琪"
    "诗晨曦雅婷海燕春梅立新庆红东振婉清若天佑铭泽昊梦心玉兰凤云莲珍贞淑慧颖琳璐瑶倩婧妍媛洁晶莹蕾薇萍鑫"
    "鹏飞辉斌宁鸿亮健峰锋波宏彬凯翔旭阳晖瑞祥福贵荣富安康永林森松柏兵武德仁义礼智信忠良功光耀达威豪帅"
    "毅坚卫家珊莎露晴雪冰月星辰雯霖菲菊秋冬夏诚泰昌盛兴宝金山川江河湖源潇湘楠榕桦枫柳彤童乐欢悦琦璇瑜琼"
    "瑾璟玲珺蓉芸芬芝蓓茜荷莉萌苗艺逸奕亦依伊宜仪熙煜烨炜焱灿晟晗昕昆舒书墨言语航帆舟驰骏腾龙麟鹤鹰雁"
    "正培彩霏蔚菁岚嵘峻崇青勤哲睿聪敬恩念婕娅姗娴妮娇婵紫丹美惠琴蕊馨可小大中少元启瀚弘奇晋朗骁煊霆锦坤"
    "垚淼尧舜禹汉唐宋伦生虎豹玮琛瑄璋琰瑛珏莎蔓芷菡萱薇蓝黛翠珠璧润沛澄浚淳涵滨洲"
)
# Particles, pronouns and verbs that cannot open a given name, even after a strong cue.
_ZH_FUNCTION_CHARS: Final = frozenset(
    "的了是在和与及或就都也还又很太说问给让把被从向对等我你他她它们这那个有没不吗呢吧啊着过来去到上下里"
)
# Words next to cues that start with a surname and that the dictionary misses or counts rarely.
_ZH_NOT_NAMES: Final = _word_set(
    "熊猫 梁柱 姜汤 高手 高层 高铁 高考 高中 方面 方法 方式 常用 常见 金融 金卡 金额 余额 程序 任务 毛病 "
    "于是 严重 安全 安排 文档 文字 文件 和蔼 和气 黄金 白天 温度 石膏 夏季 冷静 谷歌 明天 明年 明确"
)
_ZH_NAME_TAGS: Final = frozenset({"nr", "nrfg", "nrt"})
# A dictionary word seen this often in jieba's corpus is common vocabulary (明白 10875, 陈述 763,
# 许可 623) or a famous figure, not a user's name; most real names are not in the dictionary at all
# and those that are have low counts (王建国 12, 张志强 4).
_ZH_COMMON_NAME_FREQ: Final = 300
# Below this count a word the dictionary tags as something else may still be a name (金洋 "ns" 4);
# above it (文静 74, 高兴, 信息) it is vocabulary unless a strong cue says otherwise.
_ZH_COMMON_WORD_FREQ: Final = 50
# A third character is part of the name unless it starts a frequent word ("张伟|明天", "李娜|今天").
_ZH_NEXT_WORD_FREQ: Final = 500


# --------------------------------------------------------------------------------------------------
# Lazy, silent jieba
# --------------------------------------------------------------------------------------------------


class _Jieba(NamedTuple):
    tags: Mapping[str, str]
    freq: Mapping[str, int]


_jieba_lock = threading.Lock()
_jieba_state: list[_Jieba] = []


def _jieba() -> _Jieba:
    """Load jieba's dictionary once per process, on the first text that needs it, without logging.

    Only the dictionary is used (word counts and part-of-speech tags), never the segmenter: see the
    comment above _HAN for why.
    """
    if _jieba_state:
        return _jieba_state[0]
    with _jieba_lock:
        if not _jieba_state:
            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.initialize()
            tokenizer: Any = jieba.dt
            _jieba_state.append(_Jieba(tags=jieba.posseg.dt.word_tag_tab, freq=tokenizer.FREQ))
    return _jieba_state[0]


# --------------------------------------------------------------------------------------------------
# Detectors
# --------------------------------------------------------------------------------------------------


class _Found:
    """Accepted spans so far; a new span is taken only if it overlaps none of them."""

    __slots__ = ("kept", "spans")

    def __init__(self) -> None:
        self.spans: list[Entity] = []
        self.kept: list[tuple[int, int]] = []  # checked and found not personal: no later detector takes it

    def add(self, kind: str, start: int, end: int) -> bool:
        if not self.free(start, end):
            return False
        self.spans.append(Entity(kind, start, end))
        return True

    def keep(self, start: int, end: int) -> None:
        self.kept.append((start, end))

    def free(self, start: int, end: int) -> bool:
        return all(not (start < e.end and e.start < end) for e in self.spans) and all(
            not (start < b and a < end) for a, b in self.kept
        )


def _find_secrets(s: str, found: _Found) -> None:
    for rx in (_URL_USERINFO, _URL_SECRET_PARAM, _BEARER):
        for m in rx.finditer(s):
            found.add(SECRET, m.start(1), m.end(1))
    for m in _TOKEN_SHAPES.finditer(s):
        found.add(SECRET, m.start(), m.end())


def _find_emails(s: str, found: _Found) -> None:
    for m in _EMAIL_RE.finditer(s):
        found.add(EMAIL, m.start(), m.end())


def _find_ips(s: str, found: _Found) -> None:
    if "::" in s or s.count(":") >= 2:
        for m in _IPV6_CANDIDATE.finditer(s):
            candidate = m.group()
            if not any(c.isalnum() for c in candidate):
                continue
            try:
                ipaddress.IPv6Address(candidate)
            except ValueError:
                continue
            found.add(IP, m.start(), m.end())
    if "." in s:
        for m in _IPV4_RE.finditer(s):
            if _VERSION_BEFORE.search(s, max(0, m.start() - 16), m.start()):
                continue
            found.add(IP, m.start(), m.end())


def _digits(text: str) -> str:
    return "".join(c for c in text if "0" <= c <= "9" or c in "Xx")


def _find_id_numbers(s: str, found: _Found) -> None:
    for m in _ID18_RE.finditer(s):
        if is_valid_cn_id(_digits(m.group())):
            found.add(ID_NUMBER, m.start(), m.end())
    for m in _ID15_RE.finditer(s):
        # No check digit: a 15-digit number with a province code and a date in the right places is
        # as likely a serial number, so the old format also needs an ID word shortly before it.
        if is_valid_cn_id(m.group()) and _ID_CUE_BEFORE.search(s, max(0, m.start() - 12), m.start()):
            found.add(ID_NUMBER, m.start(), m.end())


def _id_shaped(digits: str) -> bool:
    """18 digits laid out like a resident ID (province, birth date) whatever the check character."""
    return (
        len(digits) == 18
        and digits[:2] in _ID_PROVINCES
        and _valid_birth_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    )


def _find_bank_cards(s: str, found: _Found) -> None:
    for m in _CARD_RE.finditer(s):
        digits = _digits(m.group())
        # An ID number with a wrong check character (a typo, or an order number built the same way)
        # must survive as the checksum says, not come back as a card because Luhn happens to pass.
        if len(digits) == 17 and s[m.end() : m.end() + 1] in ("X", "x"):
            continue  # the first 17 characters of an ID number whose check character is X
        if _looks_like_card_number(digits) and not _id_shaped(digits):
            found.add(BANK_CARD, m.start(), m.end())


def _plausible_international(text: str) -> bool:
    digits = _digits(text)
    # Every national format ends in a group of at least two digits; a lone digit after the number
    # is a count that follows it ("+1 (415) 555-0132 3 times").
    if not 8 <= len(digits) <= 15 or not text[-2:].isdigit():
        return False
    if _phonenumbers is None:
        return len(digits) == 11 if text.startswith("+1") else True  # North America: +1 and 10 digits
    try:
        number = _phonenumbers.parse(text, None)
    except _phonenumbers.NumberParseException:
        return False
    # "possible" (right length for the country) rather than "valid" (an allocated range): a number
    # in a range the metadata does not know yet is still somebody's phone.
    return bool(_phonenumbers.is_possible_number(number))


def _find_phones(s: str, found: _Found) -> None:
    if "+" in s:
        # Before the Chinese patterns: "+49 151 12345678" ends in what looks like a Chinese mobile.
        for m in _INTL_PHONE_RE.finditer(s):
            start, text = m.start(), m.group()
            # The pattern may have run on into a following count ("+44 20 7946 0958 12 times"):
            # drop trailing groups until the rest is a plausible number.
            while text:
                if _plausible_international(text):
                    found.add(PHONE, start, start + len(text))
                    break
                cut = max(text.rfind(" "), text.rfind("-"), text.rfind("."))
                text = text[:cut].rstrip(" .-(") if cut > 0 else ""
    for rx in (_CN_MOBILE_RE, _CN_LANDLINE_RE, _NANP_RE):
        for m in rx.finditer(s):
            found.add(PHONE, m.start(), m.end())


def _is_iban_with_wrong_check(text: str) -> bool:
    """An IBAN in the right format for its country whose check digits are wrong (a typo or a test value)."""
    compact = text.replace(" ", "")
    right = _mod_97_10.calc_check_digits(compact[4:] + compact[:2])
    return right != compact[2:4] and _iban.is_valid(compact[:2] + right + compact[4:])


def _find_ibans(s: str, found: _Found) -> None:
    for m in _IBAN_RE.finditer(s):
        text = m.group()
        # The last group may be a word that follows the number: drop groups until the check passes.
        while len(text) >= 15:
            if _iban.is_valid(text):
                found.add(IBAN, m.start(), m.start() + len(text))
                break
            if _is_iban_with_wrong_check(text):
                # Its digits are not a card or phone number either: the check says what it is not.
                found.keep(m.start(), m.start() + len(text))
                break
            text = text[: text.rfind(" ")] if " " in text else ""


def _find_ssns(s: str, lower: str, found: _Found) -> None:
    if "-" in s:
        for m in _SSN_RE.finditer(s):
            if _ssn.is_valid(m.group()):
                found.add(SSN, m.start(), m.end())
    if "ssn" in lower or "security" in lower:
        for m in _SSN_CUED_RE.finditer(s):
            if _ssn.is_valid(m.group(1).replace(" ", "")):
                found.add(SSN, m.start(1), m.end(1))


def _find_other_ids(s: str, found: _Found) -> None:
    """Hong Kong and Taiwan identity cards (ID_NUMBER) and mainland passports: letters before digits."""
    for m in _HK_ID_RE.finditer(s):
        prefix, digits, bracketed, bare = m.groups()
        check = bracketed or bare
        if bare and not _HK_ID_CUE.search(s, max(0, m.start() - 12), m.start()):
            continue  # 8 characters without brackets are as often a product code
        if hk_id_check_char(prefix, digits) == check:
            found.add(ID_NUMBER, m.start(), m.end())
    for m in _TW_ID_RE.finditer(s):
        if is_valid_tw_id(m.group()):
            found.add(ID_NUMBER, m.start(), m.end())
    for m in _CN_PASSPORT_RE.finditer(s):
        found.add(PASSPORT, m.start(), m.end())


def _find_cued_passports(s: str, found: _Found) -> None:
    for m in _PASSPORT_CUED_RE.finditer(s):
        found.add(PASSPORT, m.start(1), m.end(1))


def _is_date_number(digits: str) -> bool:
    """Eight digits that read as a recent date (20240315): a QQ number is rarely one."""
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    try:
        _dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _find_messaging_ids(s: str, lower: str, found: _Found) -> None:
    """QQ and WeChat accounts; ``lower`` is ``s.lower()``, or "" when ``s`` has no Latin letter."""
    if "qq" in lower:
        for m in _QQ_RE.finditer(s):
            if not _is_date_number(m.group(1)):
                found.add(QQ, m.start(1), m.end(1))
    if (
        "微信" in s
        or "v信" in lower
        or "wx" in lower
        or "vx" in lower
        or "wechat" in lower
        or "weixin" in lower
    ):
        for m in _WECHAT_RE.finditer(s):
            value = m.group("id")
            # A plain English word after "WeChat" ("WeChat payment") is not an account, unless the
            # writer marked it as one ("微信号：lilyzhang", "wechat id is lilyzhang").
            if m.group("marked") or m.group("colon") or any(c.isdigit() or c in "_-" for c in value):
                found.add(WECHAT, m.start("id"), m.end("id"))
        for m in _WECHAT_INTERNAL_ID.finditer(s):
            found.add(WECHAT, m.start(), m.end())


def _find_plates(s: str, found: _Found) -> None:
    for m in _PLATE_RE.finditer(s):
        if any(c.isdigit() for c in m.group()[2:]):
            found.add(LICENSE_PLATE, m.start(), m.end())


def _find_birth_dates(s: str, found: _Found) -> None:
    for m in _BIRTH_DATE_RE.finditer(s):
        found.add(BIRTH_DATE, m.start("date"), m.end("date"))


def _find_addresses(s: str, latin: bool, found: _Found) -> None:
    # Searching the whole text costs 20 us for a review (every position may open a province);
    # a window before each house or building number costs a fraction of that.
    for anchor in _ZH_ADDRESS_ANCHOR.finditer(s):
        lo = max(0, anchor.start() - _ZH_ADDRESS_REACH)
        m = _ZH_ADDRESS_RE.search(s, lo, min(len(s), anchor.end() + 24))
        if m is None or m.end() <= anchor.start():
            continue
        start = m.start()
        while s[start] in _ZH_ADDRESS_LEAD:
            start += 1
        found.add(ADDRESS, start, m.end())
    if latin and _EN_STREET_GATE.search(s):
        for m in _EN_STREET_RE.finditer(s):
            found.add(ADDRESS, m.start(), m.end())


def _maybe_english_name(s: str) -> bool:
    if not _ASCII_LETTER.search(s):  # most Chinese feedback: no cue can be there
        return False
    if any(cue in s for cue in _EN_CASED_CUES):
        return True
    lower = s.lower()
    return any(cue in lower for cue in _EN_LOWER_CUES)


def _find_english_names(s: str, found: _Found) -> None:
    for m in _EN_NAME_CUE.finditer(s):
        words = m.group("name").split()
        if words[0] in _EN_NOT_NAMES:
            continue
        if len(words) == 2 and words[1] in _EN_NOT_NAMES:
            words = words[:1]
        start = m.start("name")
        end = m.end("name") if len(words) == 2 else start + len(words[0])
        if m.group("weak") and len(words) == 1 and not _EN_WEAK_END.match(s, end):
            continue
        found.add(NAME, start, end)


def _zh_cues(s: str) -> tuple[set[int], set[int], set[int]]:
    """Offsets where a name may start after a strong / weak cue, and offsets where a title starts."""
    strong: set[int] = set()
    weak: set[int] = set()
    titles: set[int] = set()
    n = len(s)
    for m in _ZH_CUE_ANY.finditer(s):
        # finditer skips cues that start inside a match ("经理" in "客户经理"): look for those too.
        for i in range(m.start(), m.end()):
            inner = m if i == m.start() else _ZH_CUE_ANY.match(s, i)
            if inner is None:
                continue
            word = inner.group()
            if word in _ZH_TITLES_AFTER:
                titles.add(i)
            if word in _ZH_STRONG_BEFORE or word in _ZH_WEAK_BEFORE:
                end = i + len(word)
                while end < n and s[end] in _ZH_CUE_SEPARATORS:
                    end += 1
                (strong if word in _ZH_STRONG_BEFORE else weak).add(end)
    return strong, weak, titles


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _starts_word(s: str, i: int, jb: _Jieba) -> bool:
    """Whether a cue or a frequent dictionary word starts at ``s[i]`` (then a name ends before it)."""
    if _ZH_CUE_ANY.match(s, i):
        return True
    return any((jb.freq.get(s[i:j]) or 0) >= _ZH_NEXT_WORD_FREQ for j in (i + 2, i + 3) if j <= len(s))


def _name_after(s: str, p: int, strong: bool, jb: _Jieba) -> str | None:
    """The name starting at ``s[p]`` right after a cue, or None."""
    n = len(s)
    if s[p : p + 2] in _ZH_COMPOUND_SURNAMES:
        surname_len = 2
    elif p < n and s[p] in _ZH_SURNAMES:
        surname_len = 1
    else:
        return None
    g = p + surname_len
    if g >= n or not _is_han(s[g]) or _ZH_CUE_ANY.match(s, g):
        return None
    if s[g] in _ZH_FUNCTION_CHARS or (not strong and s[g] not in _ZH_GIVEN_CHARS):
        return None  # "我叫车的时候": the surname character was a word of its own
    end = g + 1
    if end < n and s[end] in _ZH_GIVEN_CHARS and not _starts_word(s, end, jb):
        end += 1
    return s[p:end]


def _name_before(s: str, t: int, jb: _Jieba) -> str | None:
    """The name ending right before a title at ``s[t]``, or None."""
    # Three characters when the one before the given name is a surname and both given characters
    # look like a given name ("请江嘉怡同学"); else two ("请叶娟同学", "和王芳医生").
    for length in (4, 3, 2):
        p = t - length
        if p < 0:
            continue
        surname_len = 2 if s[p : p + 2] in _ZH_COMPOUND_SURNAMES else 1
        if surname_len == 1 and (s[p] not in _ZH_SURNAMES or length == 4):
            continue
        if p > 0 and (jb.freq.get(s[p - 1 : p + 1]) or 0) >= _ZH_NEXT_WORD_FREQ:
            continue  # the "surname" ends the word before it: "谢谢|林老师"
        given = s[p + surname_len : t]
        if 1 <= len(given) <= 2 and all(c in _ZH_GIVEN_CHARS for c in given):
            return s[p:t]
    return None


def _is_vocabulary(name: str, strong: bool, jb: _Jieba) -> bool:
    """Whether jieba's dictionary says ``name`` is an ordinary word rather than somebody's name."""
    if name in _ZH_NOT_NAMES or name in _ZH_CUE_WORDS:
        return True
    freq = jb.freq.get(name) or 0
    if freq == 0:
        return False
    if jb.tags.get(name) in _ZH_NAME_TAGS:
        return freq >= _ZH_COMMON_NAME_FREQ and not strong
    return not (strong and freq < _ZH_COMMON_NAME_FREQ) and freq >= _ZH_COMMON_WORD_FREQ


def _find_chinese_names(s: str, found: _Found) -> None:
    if not _ZH_CUE_ANY.search(s):
        return
    jb = _jieba()
    strong, weak, titles = _zh_cues(s)
    for p in sorted(strong | weak):
        name = _name_after(s, p, p in strong, jb)
        if name and not _is_vocabulary(name, p in strong, jb):
            found.add(NAME, p, p + len(name))
    for t in sorted(titles):
        name = _name_before(s, t, jb)
        if name and found.free(t - len(name), t) and not _is_vocabulary(name, False, jb):
            found.add(NAME, t - len(name), t)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """The text as the patterns read it, and where each of its characters was in ``text``.

    None for the positions means they are the same (no character was dropped or expanded).
    """
    if text.isascii() or not (_ANY_ODD.search(text) or ("（" in text and _FULLWIDTH.search(text))):
        return text, None
    s = text.translate(_FULLWIDTH_TABLE) if _FULLWIDTH.search(text) else text
    if not _NEEDS_MAPPING.search(s):
        return s, None
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(s):
        if ch <= "\x7f":
            chars.append(ch)
            where.append(i)
            continue
        if _INVISIBLE_RE.match(ch):
            continue
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            replacement = str(digit)
        elif "\U0001d400" <= ch <= "\U0001d7ff" or ch == "\ufe6b":
            replacement = unicodedata.normalize("NFKC", ch)
        else:
            replacement = ch.translate(_FULLWIDTH_TABLE)
        chars.extend(replacement)
        where.extend([i] * len(replacement))
    where.append(len(s))
    return "".join(chars), where


def redact(text: str, *, names: bool = True) -> Redaction:
    """Replace the personal data in ``text`` with typed placeholders.

    Args:
        text: One piece of feedback, any length, Chinese, English or mixed.
        names: Also look for person names. Off, the call skips jieba entirely.

    Returns:
        The redacted text and the entities found (type and span in ``text``, no values).

    Examples:
        >>> redact("call 138 0013 8000 or mail li.lei@example.com").text
        'call [PHONE] or mail [EMAIL]'
        >>> redact("version 3.10.12 costs ¥1999 on 2024-03-15").text
        'version 3.10.12 costs ¥1999 on 2024-03-15'
    """
    if not text:
        return Redaction(text)
    s, where = _normalised(text)
    found = _Found()
    # Substring tests first: most feedback has no "=", "@", digit or cue, and then nothing else runs.
    if "=" in s or "@" in s or "_" in s or "sk-" in s or "AKIA" in s or "earer" in s:
        _find_secrets(s, found)
    if "@" in s:
        _find_emails(s, found)
    latin = _ASCII_LETTER.search(s) is not None
    lower = s.lower() if latin else ""
    if _DIGIT.search(s):
        if ("." in s or ":" in s) and _IP_GATE.search(s):
            _find_ips(s, found)
        capital_digit = latin and _CAPITAL_DIGIT.search(s) is not None
        if capital_digit:
            _find_ibans(s, found)
        numberish = _NUMBERISH.search(s) is not None
        if numberish:
            _find_id_numbers(s, found)
        if capital_digit:
            _find_other_ids(s, found)
        if "护照" in s or "passport" in lower:
            _find_cued_passports(s, found)
        if numberish:
            _find_ssns(s, lower, found)
            _find_bank_cards(s, found)
            _find_phones(s, found)
        han = _HAN.search(s) is not None
        if han and _ASCII_UPPER.search(s):
            _find_plates(s, found)
        if "出生" in s or "生日" in s or any(cue in lower for cue in _EN_BIRTH_CUES):
            _find_birth_dates(s, found)
        _find_addresses(s, latin, found)
    _find_messaging_ids(s, lower, found)
    if names:
        if _maybe_english_name(s):
            _find_english_names(s, found)
        if _HAN.search(s):
            _find_chinese_names(s, found)
    if not found.spans:
        return Redaction(text)
    spans = sorted(found.spans, key=lambda e: e.start)
    if where is not None:  # back to offsets in the original text (dropped characters inside a span go too)
        spans = [Entity(e.type, where[e.start], where[e.end - 1] + 1) for e in spans]
    parts: list[str] = []
    last = 0
    for e in spans:
        parts.append(text[last : e.start])
        parts.append(PLACEHOLDERS[e.type])
        last = e.end
    parts.append(text[last:])
    return Redaction("".join(parts), tuple(spans))


def redact_many(texts: Iterable[str], *, names: bool = True) -> list[Redaction]:
    """Redact a batch of texts, for imports.

    A plain loop: one call costs about 10-20 us of CPU for a typical 60-character row, so 100,000 rows
    take a few seconds in one process (see ``bench/pii_quality.py``).

    Args:
        texts: The texts, in order.
        names: Passed on to :func:`redact`.

    Returns:
        One :class:`Redaction` per text, in the same order.
    """
    return [redact(t, names=names) for t in texts]

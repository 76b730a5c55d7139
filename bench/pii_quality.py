"""Measure how well and how fast ``analytics.pii.redact`` works.

Prints precision, recall and F1 per entity type over the labelled set ``tests/data/pii_cases.jsonl``,
then the throughput of ``redact`` over realistic feedback rows next to two baselines measured in the
same run: a plain ``str.lower`` pass and ``redact(..., names=False)`` (regular expressions and check
digits only, no jieba).

The labelled set and the benchmark rows come from the same seeded generator below: realistic
feedback sentences about a medical, banking or education assistant, in Chinese and English, with
personal data (ID numbers and card numbers carry check digits computed here, independently of the
module under test) and with near misses that must survive. ``--write-cases`` regenerates the set.

Usage::

    python bench/pii_quality.py                      # quality table + 100,000-row throughput
    python bench/pii_quality.py --rows 20000 --workers 2
    python bench/pii_quality.py --write-cases tests/data/pii_cases.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import random
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from analytics import pii  # noqa: E402

CASES_PATH = ROOT / "tests" / "data" / "pii_cases.jsonl"
SEED = 20240315

Part = tuple[str, str | None]  # (text, entity type or None for text that must survive)

# ------------------------------------------------------------------------------------------------
# Check digits, written independently of analytics.pii so that the labels do not trust the code
# ------------------------------------------------------------------------------------------------


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 as printed in GB 11643-1999: sum of digit * 2^(17-i) mod 11, mapped."""
    remainder = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17)) % 11
    return "10X98765432"[remainder]


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions get doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------

ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦傅邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴孔汤"
ZH_COMPOUND = ["欧阳", "司马", "诸葛", "上官", "慕容"]
ZH_GIVEN = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "超", "霞", "刚",
    "秀英", "桂英", "建华", "建国", "志强", "晓明", "子涵", "浩然", "欣怡", "梓萱", "宇轩", "一诺", "思远",
    "嘉怡", "雨桐", "俊杰", "文博", "佳琪", "诗涵", "晨曦", "雅婷", "海燕", "春梅", "立新", "国庆", "红梅",
    "晓东", "丽华", "振宇", "婉清", "若曦", "天佑", "明轩", "紫涵", "铭泽", "昊天", "梦琪", "心怡",
]  # fmt: skip
EN_FIRST = [
    "John", "Mary", "Emily", "David", "Sarah", "Michael", "Jessica", "Daniel", "Laura", "James", "Olivia",
    "Robert", "Sophia", "Thomas", "Hannah", "Kevin", "Grace", "Brian", "Chloe", "Ethan", "Wei", "Mei",
    "Priya", "Ahmed", "Carlos", "Yuki", "Fatima", "Lucas", "Anna", "Peter",
]  # fmt: skip
EN_LAST = [
    "Smith", "Johnson", "Brown", "Chen", "Wang", "Garcia", "Miller", "Davis", "Nguyen", "Patel", "Kim",
    "O'Brien", "Taylor", "Anderson", "Martinez", "Zhang", "Liu", "Thompson", "Walker", "McDonald",
    "Robinson", "Lopez", "Wilson", "Moore", "Clark", "Lewis", "Hughes", "Fischer", "Tanaka", "Schmidt",
]  # fmt: skip
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "170", "176", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "198", "199",
]  # fmt: skip
ID_REGIONS = [
    "110101", "110105", "110108", "310104", "310115", "440305", "440106", "330106", "510107", "420102",
    "320102", "370102", "500103", "610113", "210102", "350203", "430104", "120101", "410105", "530102",
]  # fmt: skip
EMAIL_DOMAINS = [
    "163.com", "qq.com", "126.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "sina.com",
    "pku.edu.cn", "fudan.edu.cn", "hospital.org.cn", "example.com", "bank-mail.cn", "foxmail.com",
]  # fmt: skip
PINYIN = ["zhangwei", "li.na", "wangfang", "liu_yang", "chen.jing", "zhao.lei", "xiaoming", "hy2020", "sunli"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def zh_name(rng: random.Random) -> str:
    surname = rng.choice(ZH_COMPOUND) if rng.random() < 0.06 else rng.choice(ZH_SURNAMES)
    return surname + rng.choice(ZH_GIVEN)


def en_first(rng: random.Random) -> str:
    return rng.choice(EN_FIRST)


def en_last(rng: random.Random) -> str:
    return rng.choice(EN_LAST)


def en_full(rng: random.Random) -> str:
    return f"{en_first(rng)} {en_last(rng)}"


def email(rng: random.Random) -> str:
    local = rng.choice(PINYIN + [f"{en_first(rng).lower()}.{en_last(rng).lower().replace(chr(39), '')}"])
    if rng.random() < 0.4:
        local += _digits(rng, rng.randint(2, 4))
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def cn_mobile(rng: random.Random) -> str:
    number = rng.choice(MOBILE_PREFIXES) + _digits(rng, 8)
    a, b, c = number[:3], number[3:7], number[7:]
    style = rng.randrange(7)
    return [
        number,
        number,
        f"{a} {b} {c}",
        f"{a}-{b}-{c}",
        f"+86 {number}",
        f"+86-{a}-{b}-{c}",
        f"0086 {a} {b} {c}",
    ][style]


def cn_landline(rng: random.Random) -> str:
    code = rng.choice(["010", "021", "020", "022", "023", "028", "027", "0755", "0571", "0512", "0532"])
    local = str(rng.randint(2, 8)) + _digits(rng, 7 if len(code) == 3 else rng.choice([6, 7]))
    style = rng.randrange(4)
    if style == 0:
        return f"{code}-{local}"
    if style == 1:
        return f"({code}){local}"
    if style == 2:
        return f"{code} {local[:4]} {local[4:]}" if len(local) == 8 else f"{code}-{local}"
    return f"{code}-{local}转{rng.randint(100, 8999)}"


def intl_phone(rng: random.Random) -> str:
    def d(n: int) -> str:  # a one-letter helper keeps the formats below readable
        return _digits(rng, n)

    return rng.choice(
        [
            f"+44 20 7946 {d(4)}",
            f"+1 (415) 555-01{d(2)}",
            f"+61 4{d(2)} {d(3)} {d(3)}",
            f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
            f"+49 151 {d(8)}",
            f"+81 90-{d(4)}-{d(4)}",
            f"+65 9{d(3)} {d(4)}",
            f"+852 9{d(3)} {d(4)}",
            f"+886 912 {d(3)} {d(3)}",
            f"+86 10 6{d(3)} {d(4)}",
            f"+91 98{d(3)} {d(5)}",
            f"+34 612 {d(2)} {d(2)} {d(2)}",
        ]
    )


def nanp_phone(rng: random.Random) -> str:
    area = rng.choice(["415", "212", "646", "617", "312", "206", "604", "416"])
    return rng.choice([f"({area}) 555-01{_digits(rng, 2)}", f"{area}-555-01{_digits(rng, 2)}"])


def _birth(rng: random.Random, first: int, last: int) -> dt.date:
    start = dt.date(first, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(last, 12, 31).toordinal()))


def id18(rng: random.Random) -> str:
    body = rng.choice(ID_REGIONS) + _birth(rng, 1950, 2012).strftime("%Y%m%d") + _digits(rng, 3)
    value = body + id_check_char(body)
    if value.endswith("X") and rng.random() < 0.3:
        value = value[:-1] + "x"
    if rng.random() < 0.12:
        value = f"{value[:6]} {value[6:14]} {value[14:]}"
    return value


def id18_with_x(rng: random.Random) -> str:
    while True:
        value = id18(rng)
        if value[-1] in "Xx":
            return value


def id15(rng: random.Random) -> str:
    return rng.choice(ID_REGIONS) + _birth(rng, 1940, 1998).strftime("%y%m%d") + _digits(rng, 3)


CARD_SHAPES = [  # (prefix, length)
    ("622202", 19), ("622848", 19), ("621700", 19), ("622588", 16), ("6217", 19), ("9558", 19),
    ("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15),
    ("6011", 16), ("3528", 16), ("625", 16),
]  # fmt: skip


def card(rng: random.Random) -> str:
    prefix, length = rng.choice(CARD_SHAPES)
    body = prefix + _digits(rng, length - len(prefix) - 1)
    number = body + luhn_check_digit(body)
    style = rng.randrange(4)
    if length == 15 and style >= 2:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if style == 2:
        return " ".join(number[i : i + 4] for i in range(0, length, 4))
    if style == 3:
        return "-".join(number[i : i + 4] for i in range(0, length, 4))
    return number


def ipv4(rng: random.Random) -> str:
    return rng.choice(
        [
            f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        ]
    )


def ipv6(rng: random.Random) -> str:
    def h() -> str:
        return format(rng.randint(1, 0xFFFF), "x")

    return rng.choice(
        [
            f"2001:db8:{h()}::{h()}",
            f"fe80::{h()}:{h()}:{h()}:{h()}",
            f"2408:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}",
            f"240e:{h()}:{h()}::1",
            f"::ffff:192.0.2.{rng.randint(1, 254)}",
        ]
    )


def token(rng: random.Random, n: int | None = None) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n or rng.randint(16, 40)))


def secret_url(rng: random.Random) -> list[Part]:
    host = rng.choice(["api.example.com", "files.example.cn", "oss.example-cdn.com", "app.example.org"])
    path = rng.choice(["/v1/chat", "/report/2024/export", "/share/doc", "/download", "/callback"])
    style = rng.randrange(5)
    if style == 0:
        return [(f"https://{host}{path}?token=", None), (token(rng), pii.SECRET), ("&lang=zh", None)]
    if style == 1:
        name = rng.choice(["access_token", "api_key", "key", "sig", "signature", "auth", "secret"])
        return [(f"https://{host}{path}?page=2&{name}=", None), (token(rng), pii.SECRET)]
    if style == 2:
        return [(f"https://{rng.choice(['admin', 'dev', 'zhang'])}:", None), (token(rng, 10), pii.SECRET)] + [
            (f"@{host}{path}", None)
        ]
    if style == 3:
        return [
            (f"https://{host}{path}?X-Amz-Signature=", None),
            (token(rng, 32), pii.SECRET),
            ("&password=", None),
            (token(rng, 12), pii.SECRET),
        ]
    return [(f"http://{host}{path}?id=42&password=", None), (token(rng, 10), pii.SECRET), ("#top", None)]


def api_key(rng: random.Random) -> str:
    return rng.choice(
        [
            f"sk-{token(rng, 40)}",
            f"ghp_{token(rng, 36)}",
            "AKIA" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16)),
        ]
    )


# --- near misses: things that look numeric or structured but are not personal data ---------------


def luhn_failing(rng: random.Random) -> str:
    prefix, length = rng.choice([("6222", 19), ("4", 16), ("5", 16), ("6", 16), ("3", 15), ("9", 19)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    return body + str((int(luhn_check_digit(body)) + rng.randint(1, 9)) % 10)


def id_failing(rng: random.Random) -> str:
    body = rng.choice(ID_REGIONS) + _birth(rng, 1950, 2012).strftime("%Y%m%d") + _digits(rng, 3)
    right = id_check_char(body)
    return body + rng.choice([c for c in "0123456789X" if c != right])


def order_number(rng: random.Random) -> str:
    return rng.choice(
        [
            dt.date(2024, rng.randint(1, 12), rng.randint(1, 28)).strftime("%Y%m%d") + _digits(rng, 10),
            "1" + _digits(rng, 15),
            "SO" + _digits(rng, 12),
            luhn_failing(rng),
            id_failing(rng),
        ]
    )


def version(rng: random.Random) -> str:
    a, b, c = rng.randint(1, 12), rng.randint(0, 30), rng.randint(0, 99)
    return rng.choice(
        [
            f"v{a}.{b}.{c}",
            f"{a}.{b}.{c}",
            f"V{a}.{b}",
            f"3.10.{rng.randint(0, 14)}",
            f"v{a}.{b}.{c}.{rng.randint(0, 255)}",
        ]
    )


def price(rng: random.Random) -> str:
    return rng.choice(
        [
            f"¥{rng.randint(9, 9999)}",
            f"￥{rng.randint(1, 9)},{rng.randint(100, 999)}.00",
            f"${rng.randint(1, 99)}.{rng.randint(10, 99)}",
            f"{rng.randint(1, 9)},{rng.randint(100, 999)}元",
            f"{rng.randint(100, 99999)} 元",
            f"USD {rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)}.{rng.randint(10, 99)}",
        ]
    )


def date(rng: random.Random) -> str:
    d = _birth(rng, 2019, 2025)
    return rng.choice(
        [
            d.isoformat(),
            f"{d.year}年{d.month}月{d.day}日",
            d.strftime("%d/%m/%Y"),
            d.strftime("%Y/%m/%d"),
            d.strftime("%Y%m%d"),
            d.strftime("%b %d, %Y"),
            d.strftime("%Y.%m.%d"),
        ]
    )


def clock(rng: random.Random) -> str:
    h, m, s = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    d = _birth(rng, 2023, 2025)
    return rng.choice(
        [
            f"{h:02d}:{m:02d}",
            f"{h:02d}:{m:02d}:{s:02d}",
            f"{d.isoformat()} {h:02d}:{m:02d}:{s:02d}",
            f"{d}T{h:02d}:{m:02d}:{s:02d}Z",
        ]
    )


def duration(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.randint(50, 2000)}ms",
            f"{rng.randint(1, 30)}.{rng.randint(1, 9)}s",
            f"{rng.randint(3, 90)}秒",
            f"{rng.randint(100, 9000)} ms",
            f"{rng.randint(2, 15)}分钟",
        ]
    )


def percent(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 100)}%", f"{rng.randint(1, 99)}.{rng.randint(1, 9)}%"])


def model_name(rng: random.Random) -> str:
    return rng.choice(
        [
            "GPT-4o",
            "Qwen2.5-72B",
            "Llama-3.1-8B",
            "claude-3-5-sonnet-20241022",
            "gpt-4-0613",
            "DeepSeek-V3",
            "GLM-4-9B",
            "Baichuan2-13B",
            "Qwen2-VL-7B",
            "gpt-4o-2024-08-06",
        ]
    )


def hex_hash(rng: random.Random) -> str:
    n = rng.choice([7, 12, 40, 64])
    while True:
        value = "".join(rng.choice("0123456789abcdef") for _ in range(n))
        if any(c.isalpha() for c in value) and not value[0].isdigit():
            return value


def uuid(rng: random.Random) -> str:
    h = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def http_status(rng: random.Random) -> str:
    return str(rng.choice([400, 401, 403, 404, 429, 500, 502, 503, 504]))


def timestamp_ms(rng: random.Random) -> str:
    return str(rng.randint(1_700_000_000_000, 1_760_000_000_000))


def version_ip(rng: random.Random) -> str:
    quad = f"{rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 255)}"
    return rng.choice(
        [
            f"version {quad}",
            f"版本 {quad}",
            f"版本号：{quad}",
            f"v{quad}",
            f"Chrome/{rng.randint(100, 130)}.0.0.0",
            f"build {quad}",
        ]
    )


# --- identifiers added later: written from their published rules, not from analytics.pii -------------


def _mod97_check(country: str, bban: str) -> str:
    """ISO 13616 check digits: BBAN + country + "00" as a number (A=10 ... Z=35), 98 minus it mod 97."""
    number = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(number) % 97:02d}"


def iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("GB", "".join(rng.choices(string.ascii_uppercase, k=4)) + _digits(rng, 14)),
            ("DE", _digits(rng, 18)),
            ("NL", "".join(rng.choices(string.ascii_uppercase, k=4)) + _digits(rng, 10)),
            (
                "FR",
                _digits(rng, 10)
                + "".join(rng.choices(string.ascii_uppercase + string.digits, k=11))
                + _digits(rng, 2),
            ),
        ]
    )
    value = country + _mod97_check(country, bban) + bban
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4)) if rng.random() < 0.6 else value


def bad_iban(rng: random.Random) -> str:
    value = iban(rng).replace(" ", "")
    # Check digits run 02-98, one value per remainder: any other value in that range is wrong.
    wrong = (int(value[2:4]) - 2 + rng.randint(1, 96)) % 97 + 2
    return f"{value[:2]}{wrong:02d}{value[4:]}"


def ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return value if value not in ("078-05-1120", "219-09-9999", "457-55-5462") else "123-45-6789"


def bad_ssn(rng: random.Random) -> str:
    area = rng.choice(["000", "666", f"9{rng.randint(0, 99):02d}"])
    return f"{area}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def hk_id(rng: random.Random, valid: bool = True) -> str:
    letters = "".join(rng.choices(string.ascii_uppercase, k=rng.choice([1, 1, 1, 2])))
    digits = _digits(rng, 6)
    # HKID rule: pad to two letters with a space worth 36, weights 9..2 and the check, total divisible by 11.
    padded = [36] * (2 - len(letters)) + [ord(c) - ord("A") + 10 for c in letters] + [int(d) for d in digits]
    weighted = sum(v * (9 - i) for i, v in enumerate(padded))
    check = next(c for c in range(11) if (weighted + c) % 11 == 0)
    if not valid:
        check = (check + rng.randint(1, 10)) % 11
    return f"{letters}{digits}({'A' if check == 10 else check})"


def tw_id(rng: random.Random, valid: bool = True) -> str:
    codes = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
    letter = rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
    body = rng.choice("12") + _digits(rng, 7)
    code = codes[letter]
    weighted = (
        code // 10 * 1
        + code % 10 * 9
        + sum(int(d) * w for d, w in zip(body, [8, 7, 6, 5, 4, 3, 2, 1], strict=True))
    )
    check = (10 - weighted % 10) % 10
    if not valid:
        check = (check + rng.randint(1, 9)) % 10
    return f"{letter}{body}{check}"


def cn_passport(rng: random.Random) -> str:
    return rng.choice(["E", "E", "G"]) + _digits(rng, 8)


def en_passport(rng: random.Random) -> str:
    return rng.choice(
        [
            str(rng.randint(1, 9)) + _digits(rng, 8),
            "".join(rng.choices(string.ascii_uppercase, k=2)) + _digits(rng, 7),
        ]
    )


def qq(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + _digits(rng, rng.randint(4, 9))


def wechat(rng: random.Random) -> str:
    return rng.choice(PINYIN).replace(".", "_") + rng.choice(["", "_", "-"]) + _digits(rng, rng.randint(1, 4))


PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def plate(rng: random.Random) -> str:
    head = rng.choice(PROVINCE_CHARS) + rng.choice(PLATE_LETTERS)
    style = rng.randrange(4)
    if style == 0:
        return head + _digits(rng, 5)
    if style == 1:
        return head + rng.choice(PLATE_LETTERS) + _digits(rng, 4)
    if style == 2:  # new energy, small car
        return head + rng.choice("DF") + rng.choice(PLATE_LETTERS + string.digits) + _digits(rng, 4)
    return head + "·" + _digits(rng, 3) + "".join(rng.choices(PLATE_LETTERS, k=2))


def zh_birth(rng: random.Random) -> str:
    d = _birth(rng, 1945, 2015)
    return rng.choice(
        [d.isoformat(), f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y/%m/%d"), d.strftime("%Y%m%d")]
    )


def en_birth(rng: random.Random) -> str:
    d = _birth(rng, 1945, 2015)
    return rng.choice(
        [
            d.strftime("%m/%d/%Y"),
            d.strftime("%d/%m/%Y"),
            d.strftime("%B %d, %Y"),
            f"{d.day} {d:%B %Y}",
            d.isoformat(),
        ]
    )


ZH_PLACES = [
    ("北京市", "朝阳区", "建国路"), ("上海市", "浦东新区", "世纪大道"), ("广东省深圳市", "南山区", "科技园路"),
    ("浙江省杭州市", "西湖区", "文三路"), ("四川省成都市", "武侯区", "人民南路"), ("湖北省武汉市", "洪山区", "珞喻路"),
]  # fmt: skip


def zh_address(rng: random.Random) -> str:
    city, district, road = rng.choice(ZH_PLACES)
    tail = rng.choice(
        [
            "",
            f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室",
            f"{rng.randint(2, 20)}楼",
        ]
    )
    head = rng.choice([city + district, district, ""])
    return f"{head}{road}{rng.randint(1, 999)}号{tail}"


def en_address(rng: random.Random) -> str:
    street = rng.choice(
        ["Main Street", "Oak Avenue", "Maple Drive", "Elm St", "Sunset Blvd", "Park Lane", "Hill Road"]
    )
    value = f"{rng.randint(1, 9999)} {street}"
    if rng.random() < 0.4:
        value += f", Apt {rng.randint(1, 40)}{rng.choice('ABCD')}"
    if rng.random() < 0.4:
        value += rng.choice([", Springfield, IL 62704", ", Boston, MA 02118", ", Seattle"])
    return value


def qq_version(rng: random.Random) -> str:
    return f"{rng.randint(8, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}"


SLOTS: dict[str, tuple[str | None, Callable[[random.Random], str]]] = {
    # personal data: (type, generator)
    "ZH_NAME": (pii.NAME, zh_name),
    "EN_NAME": (pii.NAME, en_full),
    "EN_FIRST": (pii.NAME, en_first),
    "EN_LAST": (pii.NAME, en_last),
    "EMAIL": (pii.EMAIL, email),
    "MOBILE": (pii.PHONE, cn_mobile),
    "LANDLINE": (pii.PHONE, cn_landline),
    "INTL": (pii.PHONE, intl_phone),
    "NANP": (pii.PHONE, nanp_phone),
    "ID18": (pii.ID_NUMBER, id18),
    "ID18X": (pii.ID_NUMBER, id18_with_x),
    "ID15": (pii.ID_NUMBER, id15),
    "CARD": (pii.BANK_CARD, card),
    "IPV4": (pii.IP, ipv4),
    "IPV6": (pii.IP, ipv6),
    "APIKEY": (pii.SECRET, api_key),
    # near misses: must survive
    "ORDER": (None, order_number),
    "BAD_CARD": (None, luhn_failing),
    "BAD_ID": (None, id_failing),
    "VERSION": (None, version),
    "PRICE": (None, price),
    "DATE": (None, date),
    "TIME": (None, clock),
    "DURATION": (None, duration),
    "PCT": (None, percent),
    "MODEL": (None, model_name),
    "HASH": (None, hex_hash),
    "UUID": (None, uuid),
    "HTTP": (None, http_status),
    "TS": (None, timestamp_ms),
    "VERSION_IP": (None, version_ip),
    "N": (None, lambda rng: str(rng.randint(2, 60))),
    # identifiers added later, with their near misses
    "IBAN": (pii.IBAN, iban),
    "SSN": (pii.SSN, ssn),
    "HK_ID": (pii.ID_NUMBER, hk_id),
    "TW_ID": (pii.ID_NUMBER, tw_id),
    "CN_PASSPORT": (pii.PASSPORT, cn_passport),
    "PASSPORT": (pii.PASSPORT, en_passport),
    "QQ": (pii.QQ, qq),
    "WECHAT": (pii.WECHAT, wechat),
    "PLATE": (pii.LICENSE_PLATE, plate),
    "ZH_BIRTH": (pii.BIRTH_DATE, zh_birth),
    "EN_BIRTH": (pii.BIRTH_DATE, en_birth),
    "ZH_ADDRESS": (pii.ADDRESS, zh_address),
    "EN_ADDRESS": (pii.ADDRESS, en_address),
    "BAD_IBAN": (None, bad_iban),
    "BAD_SSN": (None, bad_ssn),
    "BAD_HK": (None, lambda rng: hk_id(rng, valid=False)),
    "BAD_TW": (None, lambda rng: tw_id(rng, valid=False)),
    "QQ_VERSION": (None, qq_version),
    "SHORT_E": (None, lambda rng: "E" + _digits(rng, 7)),
}

# ------------------------------------------------------------------------------------------------
# Templates: (language, domain, text with {SLOT}s). {URL} is a URL with secrets in it.
# ------------------------------------------------------------------------------------------------

PII_TEMPLATES: list[tuple[str, str, str]] = [
    # Chinese, medical
    ("zh", "medical", "我叫{ZH_NAME}，AI问诊说我的血压正常，但医院测出来偏高，麻烦回电{MOBILE}。"),
    ("zh", "medical", "{ZH_NAME}医生开的药和AI推荐的剂量不一样，到底听谁的？"),
    ("zh", "medical", "患者{ZH_NAME}反映智能导诊把她分到了错误的科室。"),
    ("zh", "medical", "挂号时要填身份证号{ID18}，系统一直提示格式错误。"),
    ("zh", "medical", "我妈的身份证{ID18X}在小程序里绑定不上，客服也没回复。"),
    ("zh", "medical", "报告发到我邮箱{EMAIL}了吗？等了两天还没收到。"),
    ("zh", "medical", "医保卡上的老身份证号{ID15}，AI说查不到这个人。"),
    ("zh", "medical", "请科室联系我，手机{MOBILE}，或者打座机{LANDLINE}。"),
    ("zh", "medical", "主治医生{ZH_NAME}说这个药不能和降压药一起吃，AI却说可以。"),
    ("zh", "medical", "家长{ZH_NAME}留言：孩子发烧39度，AI建议观察，结果半夜送急诊。"),
    # Chinese, banking
    ("zh", "banking", "我的银行卡{CARD}被重复扣款两次，智能客服只会说稍后处理。"),
    ("zh", "banking", "信用卡{CARD}的账单分期，AI算出来的利息和实际不一致。"),
    ("zh", "banking", "联系人：{ZH_NAME}，电话{MOBILE}，请尽快处理转账失败的问题。"),
    ("zh", "banking", "客户经理{ZH_NAME}说可以提前还款，机器人说不行，到底哪个对？"),
    ("zh", "banking", "开户时身份证号{ID18}被识别成了{ID18}，两次都失败。"),
    ("zh", "banking", "转账到卡号{CARD}一直显示处理中，请打我电话{MOBILE}。"),
    ("zh", "banking", "我是{ZH_NAME}，上次咨询的贷款问题还没人跟进，邮箱{EMAIL}。"),
    ("zh", "banking", "登录时提示异地IP {IPV4}，但那就是我家的网络。"),
    ("zh", "banking", "APP里分享的链接 {URL} 别人能直接打开，太不安全了。"),
    ("zh", "banking", "境外手机{INTL}收不到验证码，机器人一直让我重试。"),
    # Chinese, education
    ("zh", "education", "{ZH_NAME}老师说作文批改的分数太随意，同一篇文章两次分数差了十分。"),
    ("zh", "education", "孩子叫{ZH_NAME}，今年初二，AI讲的数学题步骤是错的。"),
    ("zh", "education", "学生{ZH_NAME}的作业一直提交不上去，请联系家长{MOBILE}。"),
    ("zh", "education", "班主任{ZH_NAME}老师反映口语评测对方言口音很不友好。"),
    ("zh", "education", "我的邮箱是{EMAIL}，学习报告一直没发过来。"),
    ("zh", "education", "学校机房的电脑IP是{IPV4}，访问题库总是超时。"),
    ("zh", "education", "校园网IPv6地址{IPV6}打不开课程页面。"),
    ("zh", "education", "缴费用的是{CARD}，扣了钱但课程没开通。"),
    ("zh", "education", "把API密钥{APIKEY}贴到对话里以后，AI居然原样复述出来了。"),
    ("zh", "education", "请{ZH_NAME}同学的家长联系班主任，座机{LANDLINE}。"),
    # English, medical
    ("en", "medical", "Hi, my name is {EN_NAME} and the symptom checker told me to skip my insulin dose."),
    ("en", "medical", "Dr. {EN_LAST} said the dosage the assistant suggested is twice the safe limit."),
    ("en", "medical", "Please call me back at {NANP}, the appointment bot cancelled my visit."),
    ("en", "medical", "I'm {EN_FIRST}, a nurse, and the triage answers are often outdated."),
    ("en", "medical", "Send the lab summary to {EMAIL} instead of the old address please."),
    ("en", "medical", "The patient portal shows my ID {ID18} to anyone who opens the shared link."),
    ("en", "medical", "My number is {INTL} and I never got the reminder SMS."),
    ("en", "medical", "Nurse {EN_LAST} had to correct the medication schedule the AI produced."),
    # English, banking
    ("en", "banking", "My card {CARD} was charged twice and the chatbot keeps saying it is pending."),
    ("en", "banking", "Name: {EN_NAME}. The loan calculator gives a different APR every time."),
    ("en", "banking", "The export link {URL} exposes the whole statement, please fix."),
    ("en", "banking", "Login blocked from {IPV4} even though that is my office network."),
    ("en", "banking", "Call {MOBILE} about the failed transfer, the assistant could not help."),
    ("en", "banking", "Mr. {EN_LAST} from the branch promised a callback, the bot said no record exists."),
    ("en", "banking", "I pasted my key {APIKEY} by mistake, please make sure it is not stored."),
    ("en", "banking", "Contact me at {EMAIL} or {INTL}, the dispute form keeps timing out."),
    # English, education
    ("en", "education", "I'm {EN_NAME} and the essay grader marked a correct citation as plagiarism."),
    ("en", "education", "Prof. {EN_LAST} says the quiz generator repeats the same questions."),
    ("en", "education", "Our lab server {IPV6} cannot reach the tutoring API."),
    ("en", "education", "Please email {EMAIL}, my son's homework answers were graded wrong."),
    ("en", "education", "The reading assistant is great. Regards, {EN_NAME}"),
    ("en", "education", "Ms. {EN_NAME} asked why the math hints give away the full answer."),
    ("en", "education", "Tuition was paid with card {CARD} but the course is still locked."),
    ("en", "education", "You can reach me on {LANDLINE} during office hours."),
]

NEAR_MISS_TEMPLATES: list[tuple[str, str, str]] = [
    ("zh", "medical", "升级到{VERSION}以后，问诊回答的延迟从{DURATION}涨到了{DURATION}。"),
    ("zh", "medical", "{DATE}预约的体检，AI把时间说成了{TIME}，差点错过。"),
    ("zh", "medical", "药品说明书写的是每日{N}次，AI回答成了每日{N}次，准确率最多{PCT}。"),
    ("zh", "medical", "报告编号{ORDER}查询不到，接口返回{HTTP}。"),
    ("zh", "medical", "医生说这个方案没问题，AI却一直建议换药。"),
    ("zh", "medical", "患者高血压三年了，AI给的饮食建议太笼统。"),
    ("zh", "medical", "挂号费{PRICE}，AI说免费，结果到了医院还要交钱。"),
    ("zh", "medical", "用的模型是{MODEL}吗？回答里混进了英文。"),
    ("zh", "banking", "订单号{ORDER}的退款一直没到账，已经等了{N}天。"),
    ("zh", "banking", "流水号{BAD_CARD}对应的交易显示失败，但钱已经扣了。"),
    ("zh", "banking", "工单{BAD_ID}处理了{N}天还没结果。"),
    ("zh", "banking", "理财收益率显示{PCT}，实际只有{PCT}，相差太大。"),
    ("zh", "banking", "客户经理说利率会调整，机器人说不会，客户高度评价人工服务。"),
    ("zh", "banking", "手续费{PRICE}，月供{PRICE}，AI算出来完全不对。"),
    ("zh", "banking", "{VERSION_IP}的安卓客户端打开账单就闪退。"),
    ("zh", "banking", "请求ID {UUID}，接口返回{HTTP}，重试{N}次都一样。"),
    ("zh", "education", "老师布置的作业AI批改错了，满分{N}分只给了{N}分。"),
    ("zh", "education", "我是学生，觉得讲解视频{DURATION}太长了。"),
    ("zh", "education", "课程{DATE}开课，提醒消息却在{TIME}才发出来。"),
    ("zh", "education", "题库版本{VERSION}里第{N}题答案错了。"),
    ("zh", "education", "王老师很耐心，但AI助教经常答非所问。"),
    ("zh", "education", "提交记录{HASH}显示已提交，老师那边看不到。"),
    ("zh", "education", "会员价{PRICE}，活动结束后恢复原价。"),
    ("zh", "education", "我叫了三次客服都没人理，孩子的作业一直提交失败。"),
    ("en", "medical", "After the update to {VERSION} the symptom checker takes {DURATION} to answer."),
    ("en", "medical", "My appointment on {DATE} at {TIME} disappeared from the calendar."),
    ("en", "medical", "The assistant said 5 mg twice a day, the label says {N} mg once a day."),
    ("en", "medical", "Report {ORDER} returns HTTP {HTTP} every time I open it."),
    ("en", "medical", "I'm Chinese and the translation of my prescription was confusing."),
    ("en", "medical", "Accuracy dropped to {PCT} after switching to {MODEL}."),
    ("en", "banking", "Order {ORDER} was refunded {PRICE} instead of {PRICE}."),
    ("en", "banking", "Transaction ref {BAD_CARD} failed but the money left my account."),
    ("en", "banking", "Case number {BAD_ID} has been open for {N} days."),
    ("en", "banking", "The app {VERSION_IP} crashes when I open statements."),
    ("en", "banking", "I'm not sure the interest of {PCT} is right, the bot said {PCT}."),
    ("en", "banking", "Request {UUID} timed out after {DURATION}, status {HTTP}."),
    ("en", "banking", "Event timestamp {TS} is shown as the wrong date."),
    ("en", "education", "The quiz on {DATE} had {N} questions but only {N} were graded."),
    ("en", "education", "Commit {HASH} of the course notes broke the math rendering."),
    ("en", "education", "Teacher feedback is great, the AI tutor is not. I'm Very disappointed."),
    ("en", "education", "The course costs {PRICE} and version {VERSION} still has the old syllabus."),
    ("en", "education", "Running on {MODEL} the essay grader gives {PCT} to everything."),
]

MIXED_TEMPLATES: list[tuple[str, str, str]] = [
    ("zh", "banking", "订单号{ORDER}退款失败，请退到卡{CARD}，金额{PRICE}。"),
    ("zh", "medical", "{DATE}的复诊提醒发到了{MOBILE}，但我已经换号了。"),
    ("zh", "education", "版本{VERSION}里登录IP {IPV4}被封了{N}次，准确率只有{PCT}。"),
    ("en", "banking", "Ticket {ORDER} from {DATE}: please refund to card {CARD}."),
    ("en", "medical", "On {DATE} at {TIME} I emailed {EMAIL} and got HTTP {HTTP}."),
    ("en", "education", "Using {MODEL} my student {EN_FIRST} got {PCT}; call me at {NANP}."),
]

# Written out by hand: tricky boundaries, each with its expected redaction.
HAND_CASES: list[tuple[str, str, list[Part]]] = [
    ("zh", "medical", [("身份证号码", None), ("11010519491231002X", pii.ID_NUMBER), ("，请核对", None)]),
    ("zh", "banking", [("手机号：", None), ("１３８００１３８０００", pii.PHONE), ("（全角输入）", None)]),
    ("zh", "banking", [("电话", None), ("13800138000", pii.PHONE), ("转账", None)]),
    (
        "zh",
        "banking",
        [
            ("卡号", None),
            ("6222021234567890128", pii.BANK_CARD),
            ("和订单6222021234567890123不是一回事", None),
        ],
    ),
    ("en", "banking", [("Visa ", None), ("4111 1111 1111 1111", pii.BANK_CARD), (" was declined.", None)]),
    (
        "en",
        "banking",
        [("Amex ", None), ("3782 822463 10005", pii.BANK_CARD), (" works, Discover does not.", None)],
    ),
    ("zh", "medical", [("座机", None), ("(010)62345678", pii.PHONE), ("一直占线", None)]),
    ("zh", "medical", [("热线", None), ("400-820-8820", pii.PHONE), ("打不通", None)]),
    (
        "en",
        "banking",
        [("Server ", None), ("8.8.8.8", pii.IP), (" and 999.1.1.1 and 192.168.1 are in the log.", None)],
    ),
    (
        "en",
        "education",
        [("Proxy at [", None), ("2001:db8::1", pii.IP), ("]:8080 fails, timeout 12:30:45.", None)],
    ),
    (
        "en",
        "education",
        [("Loopback ", None), ("::1", pii.IP), (" answers but the MAC 00:1A:2B:3C:4D:5E is fine.", None)],
    ),
    ("en", "banking", [("Old ID ", None), ("110105491231002", pii.ID_NUMBER), (" is still on file.", None)]),
    ("en", "banking", [("mail ", None), ("Li.Lei+bank@example.com.cn", pii.EMAIL), (". Thanks!", None)]),
    ("zh", "banking", [("邮箱", None), ("zhangsan@qq.com", pii.EMAIL), ("，别发到@客服小助手", None)]),
    (
        "en",
        "education",
        [
            ("Bearer ", None),
            ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123", pii.SECRET),
            (" leaked in logs", None),
        ],
    ),
    (
        "en",
        "medical",
        [("my name is ", None), ("Sean O'Brien", pii.NAME), (" and the bot misspelled it.", None)],
    ),
    ("en", "medical", [("Dr. ", None), ("McDonald", pii.NAME), (" disagreed with the AI.", None)]),
    ("zh", "medical", [("我叫", None), ("欧阳娜娜", pii.NAME), ("，想咨询一下体检报告。", None)]),
    ("zh", "banking", [("我叫", None), ("高峰", pii.NAME), ("，不是高峰期的意思。", None)]),
    ("zh", "medical", [("医生陈述不清，护士态度很好。", None)]),
    ("zh", "education", [("老师和我说的不一样，AI又是另一套说法。", None)]),
    ("zh", "medical", [("李医生很负责，但AI导诊太慢。", None)]),
    ("en", "banking", [("I'm OK with the new UI but the bot is slow.", None)]),
    ("en", "medical", [("Dr. Google is not a doctor, neither is this bot.", None)]),
    ("en", "banking", [("Tracking number 1234567812345670 is Luhn-valid but not a card.", None)]),
    ("en", "education", [("max_tokens=4096 and temperature=0.7 in the API call", None)]),
    ("en", "education", [("Docs at https://docs.example.com/guide?lang=zh&page=2 are fine.", None)]),
    ("zh", "education", [("搜索 https://example.com/search?q=token+limit 没结果", None)]),
    ("en", "banking", [("Python 3.11.4 and iOS 17.4.1 on iPhone 15 Pro, 12:05 PM", None)]),
    ("zh", "education", [("第1380013800号通知和12345678901都不是手机号", None)]),
    ("zh", "banking", [("2024年3月15日 14:30 扣款 1,299元 ，共 3 笔", None)]),
    ("en", "banking", [("Call ", None), ("+1 (415) 555-0132", pii.PHONE), (" 3 times, no answer.", None)]),
    (
        "en",
        "medical",
        [("UK line ", None), ("+44 20 7946 0958", pii.PHONE), (" then 12 minutes on hold.", None)],
    ),
    ("zh", "medical", [("user@localhost 和 a@b 不是邮箱", None)]),
    (
        "zh",
        "banking",
        [
            ("https://", None),
            ("wang", None),
            (":", None),
            ("p4ssw0rd", pii.SECRET),
            ("@bank.example.com/login 被记录在日志里", None),
        ],
    ),
    # cue words next to ordinary words: no name here
    ("zh", "medical", [("患者高烧三天，AI只让多喝水。", None)]),
    ("zh", "education", [("老师高兴地说AI批改很准，但我不同意。", None)]),
    ("zh", "education", [("孩子成绩下降，AI推荐的练习没用。", None)]),
    ("zh", "banking", [("我是老用户了，这次更新很失望。", None)]),
    ("zh", "medical", [("医生马上就回复了，AI却一直转圈。", None)]),
    ("zh", "medical", [("用户于是放弃了在线问诊。", None)]),
    ("zh", "education", [("家长会上老师说AI作业批改有问题。", None)]),
    ("zh", "education", [("谢谢林老师的耐心解答。", None)]),
    ("zh", "medical", [("医生说明天再来复查，AI却说不用。", None)]),
    ("zh", "medical", [("患者李某反映AI分诊错误。", None)]),
    ("zh", "banking", [("我是江苏人，方言识别不了。", None)]),
    ("zh", "banking", [("客户余额显示不对。", None)]),
    ("zh", "banking", [("我叫车的时候AI助手弹窗。", None)]),
    ("zh", "banking", [("联系人信息不全，无法回访。", None)]),
    ("zh", "medical", [("姓名栏填不进生僻字。", None)]),
    ("zh", "medical", [("医生高度怀疑是过敏，AI说是感冒。", None)]),
    ("zh", "banking", [("客户高兴地说问题解决了。", None)]),
    ("zh", "medical", [("我是一名护士，AI的用药提醒很有用。", None)]),
    ("en", "banking", [("I'm Chinese and the app does not support my dialect.", None)]),
    ("en", "banking", [("I'm Not sure why the bot said that.", None)]),
    ("en", "medical", [("I am Happy with the answers overall.", None)]),
    ("en", "education", [("My name is not important, fix the bug.", None)]),
    ("en", "medical", [("My doctor said the dose was wrong.", None)]),
    ("en", "banking", [("Regards, Team", None)]),
    ("en", "education", [("The Doctor Who reference in the answer was weird.", None)]),
    ("en", "banking", [("I'm In London and the bank bot shows the wrong time zone.", None)]),
]

# Templates for the identifiers added later (QQ, WeChat, passports, addresses, plates, SSN, IBAN, dates of
# birth, Hong Kong and Taiwan IDs). Drawn from a random generator of their own, after the cases above,
# so that those stay exactly as they were.
MORE_PII_TEMPLATES: list[tuple[str, str, str]] = [
    ("zh", "education", "我的QQ号是{QQ}，作业提交失败的截图发你了。"),
    ("zh", "banking", "有问题加我QQ：{QQ}，电话打不通。"),
    ("zh", "medical", "微信号：{WECHAT}，请医生加我发一下报告。"),
    ("zh", "banking", "客服让我加vx {WECHAT}，这是官方的吗？"),
    ("zh", "banking", "护照号{CN_PASSPORT}出境登记时AI把我的名字翻译错了。"),
    ("zh", "medical", "体检报告寄到{ZH_ADDRESS}，快递一直没送到。"),
    ("zh", "banking", "我住在{ZH_ADDRESS}，网点推荐离我太远。"),
    ("zh", "banking", "车牌{PLATE}的车险续保，AI报价比人工高很多。"),
    ("zh", "medical", "出生日期{ZH_BIRTH}，AI算出来的年龄不对，疫苗推荐也错了。"),
    ("zh", "education", "孩子生日是{ZH_BIRTH}，系统却说不能报名。"),
    ("zh", "banking", "香港身份证{HK_ID}开户时识别失败。"),
    ("zh", "banking", "台湾身份证号{TW_ID}注册不了，提示格式错误。"),
    ("en", "banking", "My SSN {SSN} showed up in the chat transcript, please delete it."),
    ("en", "banking", "Please refund to IBAN {IBAN}, the bot keeps asking me again."),
    ("en", "medical", "DOB: {EN_BIRTH}. The insurance assistant got my age wrong."),
    ("en", "medical", "I was born on {EN_BIRTH} and the dosage calculator ignores my age."),
    ("en", "banking", "Send the new card to {EN_ADDRESS}, not my old address."),
    ("en", "education", "My passport number {PASSPORT} was read aloud by the voice assistant."),
    ("en", "education", "My WeChat ID is {WECHAT}, the tutor never replied there."),
    ("en", "banking", "Add me on QQ {QQ} if you need more logs."),
    ("en", "banking", "Transfer from {IBAN} to card {CARD} failed twice."),
    ("en", "medical", "Passport {CN_PASSPORT} and HKID {HK_ID} were both rejected at check-in."),
    ("zh", "banking", "{PLATE}的ETC扣费两次，智能客服说查不到这辆车。"),
    ("zh", "medical", "停车场识别不了车牌{PLATE}，导诊机器人也不知道怎么办。"),
    ("en", "banking", "The tax helper printed {SSN} on the summary page."),
    ("en", "medical", "Social security number: {SSN}. Why does the intake bot need it?"),
    ("zh", "banking", "境外汇款账户{IBAN}，AI助手说格式不对，其实是对的。"),
]

MORE_NEAR_MISS_TEMPLATES: list[tuple[str, str, str]] = [
    ("zh", "education", "QQ {QQ_VERSION} 版本闪退，群里{N}人都遇到了。"),
    ("zh", "banking", "微信支付扣了{PRICE}，但订单{ORDER}显示未付款。"),
    ("zh", "medical", "地铁{N}号线旁边的医院，AI导航说第{N}号门进不去。"),
    ("zh", "medical", "预约日期{DATE}，AI说成了别的日子。"),
    ("zh", "banking", "工单号{BAD_HK}处理了{N}天。"),
    ("zh", "education", "版本{VERSION}里第{N}题答案错了，京东买的书和网课不一样。"),
    ("zh", "banking", "单号{SHORT_E}查不到，客服让我等{N}天。"),
    ("en", "banking", "Reference {BAD_IBAN} was refused, as it should be."),
    ("en", "banking", "Case {BAD_SSN} was closed without an answer."),
    ("en", "education", "Account {BAD_TW} was created on {DATE} but cannot log in."),
    ("en", "medical", "Released on {DATE}, version {VERSION} costs {PRICE}."),
    ("en", "education", "The top {N} Best Tips article is wrong, {N} of them are outdated."),
    ("en", "banking", "WeChat payment of {PRICE} failed, order {ORDER}."),
    (
        "en",
        "medical",
        "My appointment on {DATE} was moved to {TIME}; born in the wrong decade, says the bot.",
    ),
]


# Written out by hand for the identifiers added later and for text with invisible characters in it.
MORE_HAND_CASES: list[tuple[str, str, list[Part]]] = [
    ("zh", "banking", [("电话", None), ("138\u200b0013\u200b8000", pii.PHONE), ("，别打错", None)]),
    (
        "zh",
        "banking",
        [("\ufeff手机", None), ("1\u200d3\u200c8\u20600013\u00ad8000", pii.PHONE), ("\u200f", None)],
    ),
    ("en", "banking", [("mail ", None), ("li\u200bming@163.com", pii.EMAIL), (" please", None)]),
    ("en", "medical", [("my name\u200b is ", None), ("John Smith", pii.NAME), (".", None)]),
    (
        "zh",
        "banking",
        [("身份证", None), ("11010519491231002\u200bX", pii.ID_NUMBER), ("，\u200b谢谢", None)],
    ),
    ("zh", "banking", [("\u200b这个回答\u200b很好，没有个人信息\u00ad。", None)]),
    ("zh", "banking", [("ＱＱ号", None), ("１２３４５６７８９", pii.QQ), ("。", None)]),
    (
        "zh",
        "banking",
        [
            ("车牌", None),
            ("京A12345", pii.LICENSE_PLATE),
            ("被拍了，京东A12345不是车牌，沪A股也不是。", None),
        ],
    ),
    ("zh", "banking", [("新能源车", None), ("粤BD12345", pii.LICENSE_PLATE), ("充电桩找不到。", None)]),
    (
        "en",
        "banking",
        [("SSN ", None), ("123-45-6789", pii.SSN), (" is fine, 666-12-3456 and 900-12-3456 are not.", None)],
    ),
    (
        "en",
        "banking",
        [
            ("IBAN ", None),
            ("GB82 WEST 1234 5698 7654 32", pii.IBAN),
            (" please, not GB82 WEST 1234 5698 7654 33.", None),
        ],
    ),
    (
        "zh",
        "banking",
        [("香港身份证", None), ("A123456(3)", pii.ID_NUMBER), ("，A123456(4)校验不对。", None)],
    ),
    (
        "zh",
        "banking",
        [("台湾身份证", None), ("A123456789", pii.ID_NUMBER), ("，A123456788校验不对。", None)],
    ),
    ("zh", "education", [("QQ 9.1.0 版本，QQ群里3000人，QQ 20240315 更新后都闪退。", None)]),
    ("en", "education", [("WeChat payment and the wx mini program both fail on version 8.0.47.", None)]),
    ("zh", "medical", [("地铁3号线，第5号问题，2024年3月15日预约，订单号E1234567。", None)]),
    ("en", "banking", [("Top 10 Best Tips: pay $1,299 by 2024-03-15, build 123-45.", None)]),
]


# Plain feedback without personal data or numbers: the bulk of real traffic, used by the benchmark.
PLAIN_FEEDBACK = [
    "回答太慢了，经常要等很久才出结果，希望能优化一下速度。",
    "AI给的用药建议和医生说的不一样，不知道该相信哪个。",
    "界面很清爽，但是找历史记录的入口太深了。",
    "智能客服只会重复同一句话，完全解决不了问题。",
    "作文批改的评语很有帮助，孩子愿意改了。",
    "语音识别对方言的支持不好，老人用起来很吃力。",
    "理财产品的风险提示写得太专业，看不懂。",
    "希望能导出对话记录，方便复诊的时候给医生看。",
    "有时候回答一半就断了，要重新问一遍。",
    "推荐的题目太简单了，和孩子的水平不匹配。",
    "The answers are accurate but far too long for a quick question.",
    "The chatbot keeps asking me to rephrase instead of answering.",
    "Great for explaining lab results in plain language, thank you!",
    "It gave me the wrong branch opening hours twice this week.",
    "The math tutor skips steps, my daughter cannot follow it.",
    "Voice input does not work well with my accent.",
    "Please add a dark mode, the white screen is painful at night.",
    "Loan explanations are clear, but the calculator is confusing.",
    "The symptom checker is too cautious, it sends everyone to the ER.",
    "Love the flashcards feature, it saves me a lot of time.",
]

# ------------------------------------------------------------------------------------------------
# Building cases
# ------------------------------------------------------------------------------------------------


def fill(template: str, rng: random.Random) -> list[Part]:
    """Turn a template into parts, drawing a value for every slot."""
    parts: list[Part] = []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        slot, _, rest = tail.partition("}")
        if before:
            parts.append((before, None))
        if slot == "URL":
            parts.extend(secret_url(rng))
            continue
        kind, make = SLOTS[slot]
        parts.append((make(rng), kind))
    if rest:
        parts.append((rest, None))
    return parts


def to_case(case_id: str, lang: str, domain: str, parts: Sequence[Part]) -> dict[str, object]:
    """Assemble text, expected redaction and labelled spans from parts."""
    text, expected, spans = "", "", []
    for value, kind in parts:
        if kind is not None:
            spans.append([len(text), len(text) + len(value), kind])
            expected += pii.PLACEHOLDERS[kind]
        else:
            expected += value
        text += value
    types = sorted(str(s[2]) for s in spans)
    return {
        "id": case_id,
        "lang": lang,
        "domain": domain,
        "kind": "pii" if spans else "near_miss",
        "text": text,
        "expected": expected,
        "types": types,
        "spans": spans,
    }


def make_cases(seed: int = SEED) -> list[dict[str, object]]:
    """Build the labelled set: each PII template 4 times, near misses 3 times, mixed 4 times, hand cases."""
    rng = random.Random(seed)
    cases: list[dict[str, object]] = []
    for group, templates, repeats in (
        ("p", PII_TEMPLATES, 4),
        ("n", NEAR_MISS_TEMPLATES, 3),
        ("m", MIXED_TEMPLATES, 4),
    ):
        for t_index, (lang, domain, template) in enumerate(templates):
            for r in range(repeats if "{" in template else 1):  # a sentence without slots once
                cases.append(to_case(f"{group}{t_index:02d}-{r}", lang, domain, fill(template, rng)))
    for h_index, (lang, domain, parts) in enumerate(HAND_CASES):
        cases.append(to_case(f"h{h_index:02d}", lang, domain, parts))
    more = random.Random(seed + 2)
    for group, templates, repeats in (("x", MORE_PII_TEMPLATES, 4), ("y", MORE_NEAR_MISS_TEMPLATES, 3)):
        for t_index, (lang, domain, template) in enumerate(templates):
            for r in range(repeats):
                cases.append(to_case(f"{group}{t_index:02d}-{r}", lang, domain, fill(template, more)))
    for h_index, (lang, domain, parts) in enumerate(MORE_HAND_CASES):
        cases.append(to_case(f"k{h_index:02d}", lang, domain, parts))
    return cases


def write_cases(path: Path, seed: int = SEED) -> int:
    """Write the labelled set as JSON lines; returns the number of cases."""
    cases = make_cases(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(cases)


def load_cases(path: Path = CASES_PATH) -> list[dict[str, object]]:
    """Read the labelled set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def benchmark_rows(n: int, seed: int = SEED + 1) -> list[str]:
    """Realistic import rows of about 60 characters.

    65 % plain feedback (one or two sentences), 20 % with near misses, 15 % with personal data.
    """
    rng = random.Random(seed)
    zh_plain = [t for t in PLAIN_FEEDBACK if not t.isascii()]
    en_plain = [t for t in PLAIN_FEEDBACK if t.isascii()]
    rows = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.65:
            pool = zh_plain if rng.random() < 0.55 else en_plain
            k = rng.choice([2, 2, 3]) if pool is zh_plain else rng.choice([1, 2])
            rows.append(("" if pool is zh_plain else " ").join(rng.sample(pool, k)))
        else:
            templates = NEAR_MISS_TEMPLATES if roll < 0.85 else PII_TEMPLATES
            rows.append("".join(value for value, _ in fill(rng.choice(templates)[2], rng)))
    return rows


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


def score(cases: Sequence[dict[str, object]]) -> dict[str, tuple[int, int, int]]:
    """True positives, false positives and false negatives per type (exact span and type match)."""
    tally: dict[str, list[int]] = {t: [0, 0, 0] for t in pii.ENTITY_TYPES}
    for case in cases:
        gold = {(int(s[0]), int(s[1]), str(s[2])) for s in case["spans"]}  # type: ignore[attr-defined]
        found = {(e.start, e.end, e.type) for e in pii.redact(str(case["text"])).entities}
        for _, _, kind in found & gold:
            tally[kind][0] += 1
        for _, _, kind in found - gold:
            tally[kind][1] += 1
        for _, _, kind in gold - found:
            tally[kind][2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in tally.items()}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1; 1.0 where nothing was expected and nothing was found."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _time(fn: Callable[[], object], repeats: int = 3) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of this process over ``repeats`` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu


def _redact_chunk(rows: list[str]) -> int:
    return sum(len(r.entities) for r in pii.redact_many(rows))


def main(argv: Sequence[str] | None = None) -> None:
    """Print the quality table and the throughput table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the throughput run")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run (0: skip)")
    parser.add_argument("--write-cases", type=Path, help="regenerate the labelled set at this path and stop")
    args = parser.parse_args(argv)

    if args.write_cases:
        print(f"wrote {write_cases(args.write_cases)} cases to {args.write_cases}")
        return

    cases = load_cases()
    kinds = Counter(str(c["kind"]) for c in cases)
    langs = Counter(str(c["lang"]) for c in cases)
    print(f"labelled set: {len(cases)} cases ({dict(kinds)}; {dict(langs)})")
    survived = sum(pii.redact(str(c["text"])).text == c["text"] for c in cases if c["kind"] == "near_miss")
    exact = sum(pii.redact(str(c["text"])).text == c["expected"] for c in cases)
    print(
        f"exact redacted text: {exact}/{len(cases)}; near misses unchanged: {survived}/{kinds['near_miss']}"
    )
    print()
    print(
        f"{'type':<14} {'gold':>5} {'found':>5} {'TP':>4} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>7} {'F1':>6}"
    )
    totals = [0, 0, 0]
    for kind, (tp, fp, fn) in score(cases).items():
        p, r, f = prf(tp, fp, fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        print(f"{kind:<14} {tp + fn:>5} {tp + fp:>5} {tp:>4} {fp:>3} {fn:>3} {p:>9.3f} {r:>7.3f} {f:>6.3f}")
    p, r, f = prf(*totals)
    print(
        f"{'all':<14} {totals[0] + totals[2]:>5} {totals[0] + totals[1]:>5} {totals[0]:>4} {totals[1]:>3} {totals[2]:>3} {p:>9.3f} {r:>7.3f} {f:>6.3f}"
    )

    rows = benchmark_rows(args.rows)
    mean_len = statistics.fmean(len(r) for r in rows)
    zh_share = sum(1 for r in rows if any("\u4e00" <= c <= "\u9fff" for c in r)) / len(rows)
    print()
    print(
        f"throughput over {len(rows):,} rows (mean {mean_len:.0f} chars, {zh_share:.0%} Chinese), best of 3,"
    )
    print(
        f"on {multiprocessing.cpu_count()} CPUs; CPU rows/s is this process's CPU time, immune to other load:"
    )
    pii.redact("我叫李明")  # load jieba outside the timed runs, as an app would at its first row
    runs: list[tuple[str, Callable[[], object]]] = [
        ("baseline: str.lower", lambda: [r.lower() for r in rows]),
        ("baseline: redact(names=False), regex only", lambda: pii.redact_many(rows, names=False)),
        ("redact (all types, 1 process)", lambda: pii.redact_many(rows)),
    ]
    if args.workers > 1:
        chunks = [rows[i : i + 5000] for i in range(0, len(rows), 5000)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.workers) as pool:
            pool.map(_redact_chunk, chunks[: args.workers])  # warm each worker (jieba loaded by fork)
            runs.append(
                (f"redact (all types, {args.workers} processes)", lambda: pool.map(_redact_chunk, chunks))
            )
            _print_runs(runs, len(rows))
    else:
        _print_runs(runs, len(rows))
    found = Counter(e.type for r in pii.redact_many(rows) for e in r.entities)
    print(f"entities found in the benchmark rows: {dict(found)}")


def _print_runs(runs: Sequence[tuple[str, Callable[[], object]]], n: int) -> None:
    print(f"  {'':<46} {'wall rows/s':>12} {'us/row':>7}  {'CPU rows/s':>11}")
    for label, fn in runs:
        wall, cpu = _time(fn)
        # The pool's work happens in its children, so this process's CPU time means nothing there.
        cpu_text = f"{n / cpu:>11,.0f}" if "processes" not in label else f"{'-':>11}"
        print(f"  {label:<46} {n / wall:>12,.0f} {wall * 1e6 / n:>7.1f}  {cpu_text}")


if __name__ == "__main__":
    main()

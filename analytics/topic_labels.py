"""Topic labels a product manager can read: a few content keywords in the reader's language.

A topic's keywords (class-based TF-IDF, see analytics.topics) come from feedback in both languages,
and some of the highest-scoring words are fillers of complaint text ("takes", "seconds", "一下"): they
are specific to no feature. A label is built from the keywords at display time, so a stored run is
read in either language and a change of rules here reaches old runs too:

1. Stop words (analytics.tokenize.STOP_WORDS) and the filler words below are dropped.
2. The keywords of the reader's language give the label (up to 3, a word contained in one already
   chosen is skipped: "card" after "cards"). With fewer than 2 such keywords, the other language's
   give it instead (a Chinese topic read in English keeps its Chinese words, not one stray "app").
3. The other language's keywords are a detail (`other_keywords`), never mixed into the label.
4. An analyst's name for the topic (Topic.custom_label) always wins: `display_label`; a stored label
   that is a phrase rather than keywords is kept too.

Without a reader's language (`lang=None`) the label is in the topic's main language: the one whose
content keywords weigh more, each keyword weighted by 1 / rank.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analytics.tokenize import STOP_WORDS

LANGUAGES = ("zh", "en")
LABEL_WORDS = 3  # at most this many keywords in a label
MIN_LABEL_WORDS = 2  # fewer keywords of the reader's language than this: the other language's instead
SEPARATOR = " · "

# Filler of feedback about an AI product: words frequent in complaints of every kind (time and
# quantity, generic verbs, "question" / "answer" in an assistant's feedback) that name no feature.
# Beyond the standard stop words; sentiment words ("slow", "wrong", "太长") are kept: they carry the
# complaint. Kept short and reviewed on the demo's 27 topics: extend it when a label shows a filler.
_ENGLISH_FILLER_TEXT = """
    say says said saying tell tells told ask asks asked asking
    take takes took taking taken get gets got getting make makes made making come comes came coming
    go goes went going give gives gave let lets try tries tried use uses used using want wants wanted
    need needs needed know knew think thought see saw look looks looked keep keeps kept seem seems
    start starts started end ends ended happen happens happened exist exists provide provides mean means meant
    thing things stuff way lot lots bit kind sort time times moment later today yesterday day days
    second seconds minute minutes hour hours week weeks month months year years pm am row half
    really actually actual just even still right away big little pretty quite maybe probably
    basically literally ok okay yeah yes pls plz please thanks thank hi hello
    app question questions answer answers reply replies user users
"""
_CHINESE_FILLER_TEXT = """
    说 说话 讲 问 告诉 一下 一句 一问 一段 一堆 一大 一半 一天 每天 整个 有个 有些 某些 地方 情况 方面 问题
    时间 时候 分钟 秒钟 小时 当时 最后 后面 前面 先来 然后 接着 同样 经常 总是 老是 来回 连续 反复 好几
    意思 说法 比如 例如 只要 关于 提到 没提 发现 觉得 感觉 出来 起来 进行 直接 收到 发了 没来 没出 变多
    当成 东西 回答 答案 回复 功能 使用 用户 总体 聊到 转眼
"""
FILLER_WORDS = frozenset(_ENGLISH_FILLER_TEXT.split()) | frozenset(_CHINESE_FILLER_TEXT.split())

# A count with its measure word ("三遍", "第二个", "几段", "五分钟", "五六百"): how often, never what.
_CHINESE_COUNT = re.compile(
    r"^第?[零一二两三四五六七八九十百千万几半好]+[个次遍段句轮倍天周月年分秒钟屏条遍下回页张项种位]*$"
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def word_language(word: str) -> str:
    """The language of a keyword: "zh" when it has a Han character, else "en"."""
    return "zh" if _HAN.search(word) else "en"


def is_filler(word: str) -> bool:
    """Whether a keyword is a stop word, a filler word or a count ("三遍"): never part of a label."""
    lowered = word.strip().lower()
    return (
        not lowered
        or lowered in STOP_WORDS
        or lowered in FILLER_WORDS
        or lowered.isdigit()
        or bool(_CHINESE_COUNT.match(lowered))
    )


def content_keywords(keywords: Sequence[str]) -> list[str]:
    """The keywords without fillers, in their order (best first)."""
    return [str(k) for k in keywords if isinstance(k, str) and not is_filler(k)]


def _pick(words: Sequence[str], n_words: int) -> list[str]:
    chosen: list[str] = []
    for word in words:
        if any(word in c or c in word for c in chosen):
            continue
        chosen.append(word)
        if len(chosen) == n_words:
            break
    return chosen


def main_language(keywords: Sequence[str]) -> str | None:
    """The language whose content keywords weigh more (weight 1 / rank); None without any."""
    weight = dict.fromkeys(LANGUAGES, 0.0)
    for rank, word in enumerate(content_keywords(keywords)):
        weight[word_language(word)] += 1 / (rank + 1)
    if not any(weight.values()):
        return None
    return max(LANGUAGES, key=lambda lang: (weight[lang], lang == "zh"))


def label_language(keywords: Sequence[str], lang: str | None = None) -> str | None:
    """The language a label of these keywords is written in for a reader of `lang` (None: main)."""
    words = content_keywords(keywords)
    if not words:
        return None
    if lang not in LANGUAGES:
        return main_language(words)
    other = "en" if lang == "zh" else "zh"
    mine = [w for w in words if word_language(w) == lang]
    theirs = [w for w in words if word_language(w) == other]
    if len(mine) >= MIN_LABEL_WORDS or len(mine) >= len(theirs):
        return lang
    return other


def topic_label(keywords: Sequence[str], lang: str | None = None, n_words: int = LABEL_WORDS) -> str:
    """A label of 2-3 content keywords of one language, for a reader of `lang` ("" without any).

    Args:
        keywords: the topic's keywords, best first (Topic.keywords).
        lang: the reader's language, "zh" or "en"; None: the topic's main language.
        n_words: at most this many keywords.
    """
    written = label_language(keywords, lang)
    if written is None:
        return ""
    words = [w for w in content_keywords(keywords) if word_language(w) == written]
    return SEPARATOR.join(_pick(words, n_words))


def other_keywords(keywords: Sequence[str], lang: str | None = None) -> list[str]:
    """Content keywords in the language the label is not written in: the detail beside the label."""
    written = label_language(keywords, lang)
    return [w for w in content_keywords(keywords) if word_language(w) != written]


def display_label(
    custom_label: str | None, keywords: Sequence[str] | None, generated: str | None, lang: str | None = None
) -> str:
    """What a user reads as a topic's name: the analyst's name, else the keyword label in `lang`.

    A stored label that is not made of the keywords (a phrase written by a script or an older
    version) is kept as it is; so is the stored label of a topic without content keywords.
    """
    if isinstance(custom_label, str) and custom_label.strip():
        return custom_label.strip()
    words = [str(k) for k in keywords or []]
    if generated and not set(generated.split(SEPARATOR)) <= set(words):
        return generated
    return topic_label(words, lang) or (generated or "")

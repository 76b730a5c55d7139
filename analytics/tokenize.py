"""Words of Chinese and English feedback, for topic keywords.

Chinese has no spaces, so runs of Han characters are cut into words with jieba; everything else is
split on word characters. Stop words of both languages, punctuation, whitespace, emoji, numbers and
one-character tokens (or one character repeated) are dropped, so keywords are words a product manager can read ("闪退", "refund"),
never single characters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]", re.UNICODE)

# Common Chinese function words, pronouns, degree adverbs and fillers that say nothing about a topic.
# Kept short on purpose: c-TF-IDF already pushes down words that are frequent in every topic.
_CHINESE_STOP_TEXT = """
    的 了 着 过 是 在 和 与 及 或 而 也 都 就 还 又 才 再 很 太 非常 特别 比较 真的 真是 确实 实在 有点 一点
    一些 一下 一个 一样 这个 那个 这些 那些 这样 那样 这么 那么 这种 那种 什么 怎么 怎么样 为什么 哪里 哪个
    我 我们 你 你们 他 他们 她 她们 它 它们 自己 大家 人家 别人 本人 咱们 您
    啊 吧 呢 吗 呀 哦 哈 嗯 嘛 啦 哎 唉 喔 噢 哇 额 呃
    不 没 没有 不是 不会 不能 不要 别 无 非 未
    有 会 能 要 想 让 把 被 给 对 对于 从 向 到 于 以 为 为了 因为 所以 但是 但 可是 不过 虽然 如果 然后 而且
    并且 还是 或者 就是 只是 只有 已经 一直 一定 可能 应该 可以 需要 觉得 感觉 认为 知道 看到 东西 时候 现在
    今天 昨天 之后 以后 之前 以前 后来 开始 结果 其实 当然 一次 一般 总是 每次 几个 个 次 些 点 说 做 用 上
    下 里 中 后 前 再次 又是 还有 以及 其他 其它 另外 而是 比 更 最 好像 似乎 差不多 完全 根本 居然 竟然 终于
    等 等等 之 其 此 该 各 每 某 哪 谁 这 那 嗯嗯 哈哈 哈哈哈 呵呵 谢谢 您好 你好
"""
CHINESE_STOP_WORDS = frozenset(_CHINESE_STOP_TEXT.split())
_ENGLISH_EXTRA_TEXT = """
    don't doesn't didn't can't cannot won't wouldn't couldn't shouldn't isn't aren't wasn't weren't haven't
    hasn't hadn't i'm i've i'd i'll you're you've you'll it's it'll that's there's what's let's
    dont doesnt didnt cant wont isnt arent wasnt havent hasnt im ive
    http https www com cn html htm
"""
_ENGLISH_EXTRA = frozenset(_ENGLISH_EXTRA_TEXT.split())
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | CHINESE_STOP_WORDS | _ENGLISH_EXTRA

_jieba_ready = False


def _jieba_cut(text: str) -> list[str]:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)  # it prints "Building prefix dict" on first use otherwise
        jieba.initialize()
        _jieba_ready = True
    words: list[str] = jieba.lcut(text, HMM=True)
    return words


def tokenize(text: str) -> list[str]:
    """Words of one text, lower-cased, without stop words, punctuation or one-character tokens."""
    words: list[str] = []
    position = 0
    for match in _HAN.finditer(text):
        words.extend(w.lower() for w in _LATIN_WORD.findall(text[position : match.start()]))
        words.extend(_jieba_cut(match.group()))
        position = match.end()
    words.extend(w.lower() for w in _LATIN_WORD.findall(text[position:]))
    # One character repeated ("差差", "哈哈哈", "zzz") is emphasis or laughter, not a topic word.
    return [w for w in words if len(set(w)) > 1 and w not in STOP_WORDS]


def has_words(text: str) -> bool:
    """Whether a text holds any letter or Han character (emoji, digits and punctuation alone do not)."""
    return bool(_HAN.search(text) or _LATIN_WORD.search(text))


def han_share(text: str) -> float:
    """Share of Han characters among the letters of a text (0 for English, 1 for Chinese)."""
    han = sum(len(m) for m in _HAN.findall(text))
    latin = sum(len(m) for m in _LATIN_WORD.findall(text))
    return han / (han + latin) if han + latin else 0.0


def bilingual_vectorizer(min_df: int = 1, max_features: int | None = None) -> CountVectorizer:
    """A CountVectorizer for mixed Chinese and English text built on `tokenize`."""
    return CountVectorizer(
        tokenizer=tokenize, token_pattern=None, lowercase=False, min_df=min_df, max_features=max_features
    )


def vocabulary(texts: Iterable[str]) -> set[str]:
    """All words of some texts (a helper for tests and diagnostics)."""
    return {word for text in texts for word in tokenize(text)}

"""How bad a piece of feedback sounds.

A domain-aware severity lexicon, a negative-tone scorer and the praise words that tell a compliment
from a complaint. All are small hand-written bilingual (zh + en) rule sets, not models: they are
fast, explainable (every hit has a readable label or word a product manager can check against the
quote) and need no training data. They are meant as some of several visible signals in
:func:`analytics.ranking.rank_pain_points`, not as a verdict on their own.

Severity levels (:data:`SEVERITY_TERMS`):

=====  ===========  ===========================================================================
level  meaning      examples
=====  ===========  ===========================================================================
4      critical     wrong dosage or overdose, dangerous medical advice, data leak / someone else's
                    data shown, hacked account or fraud, money lost, self-harm
3      major        wrong medical or financial information, hallucinated facts or sources, crash
                    or lost data, cannot log in / service down, failed payment or transfer
2      moderate     outright refusal to answer, a wrong or outdated answer, timeouts and errors
1      minor        slowness and lag, confusing or long-winded answers
=====  ===========  ===========================================================================

An item's level is the highest level of any term it matches (0 when none matches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class SeverityTerm:
    """One lexicon entry: a readable label, its level (1-4) and the patterns that find it.

    The patterns are split by script so that a text is only searched with the ones that can match it:
    Chinese text with the Chinese patterns, Latin text with the English ones (mixed text with both).
    """

    label: str
    level: int
    latin: re.Pattern[str] | None
    cjk: re.Pattern[str] | None

    def search(self, text: str, *, has_latin: bool = True, has_cjk: bool = True) -> bool:
        """Whether `text` mentions this term."""
        return bool(
            (has_latin and self.latin is not None and self.latin.search(text))
            or (has_cjk and self.cjk is not None and self.cjk.search(text))
        )


def _term(label: str, level: int, *patterns: str) -> SeverityTerm:
    def compiled(parts: list[str]) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None

    cjk = [p for p in patterns if _CJK.search(p)]
    latin = [p for p in patterns if not _CJK.search(p)]
    return SeverityTerm(label, level, compiled(latin), compiled(cjk))


# Chinese has no word boundaries, so the Chinese patterns lean on short windows (.{0,n}) between a
# subject ("剂量") and a verdict ("错"); the window stops at sentence punctuation where it matters.
_W = r"[^.!?。！？]"  # any character that does not end a sentence

SEVERITY_TERMS: tuple[SeverityTerm, ...] = (
    # ---- level 4: critical ------------------------------------------------------------------
    _term(
        "wrong dosage",
        4,
        rf"\b(?:wrong|incorrect|dangerous|too (?:high|much|large)|double|ten times)\b{_W}{{0,40}}\b(?:dos(?:e|es|age|ing)|mg|milligrams?)\b",
        rf"\b(?:dos(?:e|es|age|ing))\b{_W}{{0,40}}\b(?:wrong|incorrect|too (?:high|much|large)|dangerous|too many|off)\b",
        r"\boverdos\w*|adult (?:dose|number|amount)",
        rf"(?:剂量|用量|药量|服用量){_W}{{0,12}}(?:错|不对|有误|太大|过大|太高|超标|超量|翻倍|危险)",
        rf"(?:错|不对|有误){_W}{{0,8}}(?:剂量|用量|药量)",
        r"过量|超剂量|超量服用|成人的?量|吃多了",
    ),
    _term(
        "dangerous medical advice",
        4,
        rf"\b(?:dangerous|harmful|unsafe)\b{_W}{{0,20}}\badvice\b",
        r"\bstop (?:taking )?(?:my |your |the )?(?:medication|medicine|insulin|pills|treatment)\b",
        r"\b(?:drug interaction|safe (?:to take )?with (?:warfarin|alcohol|aspirin))\b",
        r"\bnothing to worry about\b",
        r"(?:随便|自行|自己随便)停药|危险的?建议|药物相互作用|不用(?:看|去)?(?:医生|就医|医院)",
        rf"(?:孕妇|儿童|说明书){_W}{{0,15}}禁用|(?:可以|能)(?:一起|同时)吃{_W}{{0,20}}危险",
    ),
    _term(
        "data leak / privacy breach",
        4,
        rf"\b(?:data|privacy|personal (?:info|information|data)|records?)\b{_W}{{0,20}}\b(?:leak\w*|breach\w*|exposed)\b",
        rf"\bleak(?:ed|s|ing)?\b{_W}{{0,20}}\b(?:data|information|records|details)\b",
        rf"\b(?:see|saw|seeing|shows?|showed|shown)\b{_W}{{0,20}}\b(?:someone else'?s|other (?:people|users|patients)'?s?|another (?:user|patient|person|customer)'?s?)",
        r"\bsomeone else'?s\b|\bother (?:users|patients|customers)'? (?:data|records|information|accounts?|chats?)\b",
        r"泄露|泄漏|外泄|倒卖|(?:信息|数据|隐私|病历|资料)被(?:卖|泄)|看到了?别人的|别人的(?:病历|信息|订单|账户|聊天记录|数据|报告)",
    ),
    _term(
        "security / fraud",
        4,
        r"\b(?:hacked|unauthori[sz]ed|stolen|fraud\w*|scam\w*|phishing|compromised|security (?:hole|issue|breach|vulnerability))\b",
        r"盗刷|被盗|盗号|诈骗|钓鱼|安全漏洞|未经授权|账号被(?:别人)?登录",
    ),
    _term(
        "money lost",
        4,
        rf"\b(?:money|funds|savings)\b{_W}{{0,15}}\b(?:gone|missing|lost|disappeared|vanished)\b",
        rf"\b(?:lost|missing)\b{_W}{{0,10}}\b(?:money|funds|savings)\b",
        rf"(?:钱|资金|余额|存款){_W}{{0,8}}(?:没了|丢了|不见了|少了|消失)|资金损失",
    ),
    _term(
        "self-harm / safety",
        4,
        r"\b(?:suicid\w*|self[- ]harm|kill myself)\b",
        r"自杀|自残|轻生|不想活",
    ),
    # ---- level 3: major ---------------------------------------------------------------------
    _term(
        "wrong medical information",
        3,
        rf"\b(?:wrong|incorrect|misleading|outdated|inaccurate)\b{_W}{{0,30}}\b(?:diagnos\w*|medication|medicine|drugs?|symptoms?|treatment|prescription|vaccines?|allerg\w*|blood \w+)\b",
        rf"\b(?:diagnos\w*|medication|medicine|prescription|vaccine|allerg\w*)\b{_W}{{0,30}}\b(?:wrong|incorrect|outdated|inaccurate)\b",
        r"\bmisdiagnos\w*",
        rf"(?:诊断|症状|用药|药物|药品|处方|疫苗|化验|体检|检查结果|指标|血压|血糖){_W}{{0,12}}(?:错|不对|有误|不准|过时|误导|搞反)",
        rf"(?:错|不对|有误){_W}{{0,6}}(?:诊断|用药|药物)|误诊|(?:说|当成)是?正常(?:范围)?",
    ),
    _term(
        "wrong financial information",
        3,
        rf"\b(?:wrong|incorrect|misleading|outdated|inaccurate)\b{_W}{{0,30}}\b(?:interest|rates?|fees?|tax\w*|loans?|payments?|balance|exchange|returns?|yield)\b",
        rf"\b(?:interest|rates?|fees?|tax\w*|loans?|balance|exchange rate|returns?)\b{_W}{{0,30}}\b(?:wrong|incorrect|outdated|off by)\b",
        rf"(?:利率|汇率|手续费|费用|收益率|收益|月供|个税|税|违约金|余额|免息期|保本|额度){_W}{{0,12}}(?:错|不对|有误|过时|旧的|差了)",
        rf"(?:说|告诉我){_W}{{0,12}}(?:免费|免手续费|没有|不收|保本){_W}{{0,12}}(?:结果|实际|其实)",
    ),
    _term(
        "hallucinated facts",
        3,
        r"\b(?:made up|makes? up|invent(?:ed|s)?|fabricat\w*|hallucinat\w*|fake (?:sources?|references?|citations?|stud(?:y|ies)))\b",
        r"\bdoesn'?t exist\b|\bdoes not exist\b",
        r"编造|瞎编|胡编|编的|编了|捏造|不存在的|胡说八道",
    ),
    _term(
        "crash / data loss",
        3,
        r"\bcrash\w*",
        rf"\b(?:lost|lose|losing|disappeared|deleted|wiped)\b{_W}{{0,30}}\b(?:data|history|progress|records|notes|work|chats?)\b",
        rf"\b(?:data|history|progress|records|notes)\b{_W}{{0,20}}\b(?:disappeared|gone|lost|wiped|not saved)\b",
        rf"闪退|崩溃|死机|(?:数据|记录|进度|聊天记录|历史|笔记){_W}{{0,8}}(?:丢|没了|消失|不见|清空|没保存)|白做了",
    ),
    _term(
        "cannot log in / service down",
        3,
        r"\b(?:can'?t|cannot|unable to|couldn'?t)\b (?:log ?in|sign ?in|access|open)\b|\bunusable\b|\boutage\b",
        r"\b(?:service|server|site|app|system) (?:is |was )?down\b",
        r"(?:登录|登陆)(?:不上|失败|不了)|登不上|无法(?:登录|登陆|使用|打开)|(?:根本|完全|经常|一直|都)用不了|打不开|宕机",
        rf"(?:服务器|系统|服务){_W}{{0,3}}(?:挂|崩)",
    ),
    _term(
        "failed payment or transfer",
        3,
        rf"\b(?:payments?|transfers?|transactions?)\b{_W}{{0,20}}\b(?:fail\w*|stuck|hang\w*|hung|lost)\b",
        rf"(?:支付|转账|付款|交易){_W}{{0,10}}(?:失败|卡住|卡在|没到|丢失)",
    ),
    # ---- level 2: moderate ------------------------------------------------------------------
    _term(
        "refuses to answer",
        2,
        r"\b(?:refus\w+|won'?t (?:answer|help|tell)|will not (?:answer|help)|declin(?:es|ed) to)\b",
        r"\bas an ai\b|against (?:the |its )?policy",
        r"拒绝回答|不能回答|无法回答|不予回答|(?:什么都|啥都)不(?:回答|说)|作为AI我不能|违反{_W}{{0,4}}(?:规定|政策)",
    ),
    _term(
        "wrong answer",
        2,
        r"\b(?:wrong|incorrect|inaccurate|not accurate|outdated|mistakes?|errors? in)\b",
        r"(?<![不点])错(?!位|别字)|不对|不准|有误|过时|不一致",
    ),
    _term(
        "timeouts and errors",
        2,
        r"\btim(?:e|ed|es)[ -]?outs?\b|\berrors?\b|\bfreez\w*|\bhangs?\b|\bfail\w*|won'?t load|doesn'?t load",
        r"超时|报错|错误|卡死|卡住|失败|加载不出|异常|断了|断开",
    ),
    # ---- level 1: minor ---------------------------------------------------------------------
    _term(
        "slow",
        1,
        r"\bslow\w*|\blag\w*|takes forever|\bspinner\b",
        r"慢|卡顿|很卡|好卡|太卡|延迟|耗电|发烫|转圈",
    ),
    _term(
        "confusing or long-winded",
        1,
        r"\bconfus\w*|\bverbose\b|too long|\bunclear\b|hard to (?:find|use|read|navigate)",
        r"啰嗦|太长|看不懂|复杂|麻烦|难用|不方便|找不到",
    ),
)

MAX_LEVEL = 4


def severity_hits(text: str) -> list[SeverityTerm]:
    """The lexicon entries that `text` matches, most severe first."""
    if not text:
        return []
    has_latin, has_cjk = bool(_LATIN.search(text)), bool(_CJK.search(text))
    hits = [term for term in SEVERITY_TERMS if term.search(text, has_latin=has_latin, has_cjk=has_cjk)]
    return sorted(hits, key=lambda term: -term.level)


def severity_level(text: str) -> int:
    """The highest lexicon level `text` matches: 0 (none) to 4 (critical)."""
    hits = severity_hits(text)
    return hits[0].level if hits else 0


# ---- negative tone and praise ---------------------------------------------------------------
# Emotion words, not complaint subjects: "回复太慢" is a complaint with a neutral tone, "垃圾, 太慢了!!!"
# is an angry one. Negated praise ("not helpful", "不好用") counts as negative and is removed before
# praise is looked for, so it is not counted twice.
_NEGATED_PRAISE = re.compile(
    r"(?:\bnot|n't|\bnever|\bhardly)(?: (?:very|that|really|so|too|at all|a|an))? "
    r"(?:good|great|helpful|useful|happy|satisfied|worth\w*|reliable|clear|friendly|handy|like|love)\b"
    r"|不(?:太|够|怎么|是很)?"
    r"(?:好用|满意|方便|喜欢|行|靠谱|专业|好|有用|实用|耐心|及时|清楚|好懂|简洁|贴心)"
    r"|没有?用(?![过了户])",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(?:bad|terrible|awful|horrible|useless|worst|hate|hated|annoy\w*|frustrat\w*|ridiculous|"
    r"disappoint\w*|angry|furious|unacceptable|garbage|trash|rubbish|waste|stupid|pathetic|joke|"
    r"disgust\w*|scam|seriously|wtf|sucks?|never again|uninstall\w*|complain\w*)\b"
    r"|太差|很差|真差|垃圾|烂|失望|无语|生气|气死|恶心|坑人|坑爹|离谱|受不了|什么玩意|服了|废物|糟糕|"
    r"太烦|烦死|郁闷|忍不了|无法忍受|卸载|再也不|投诉|差评|坑|骗子|智障|体验极差",
    re.IGNORECASE,
)
# Praise: thanks, satisfaction and the qualities users praise an assistant for ("靠谱", "saves time").
# Words that also name a complaint's subject ("recommended dose", "有用户反映") are left out or fenced.
_POSITIVE = re.compile(
    r"\b(?:good|great|love|loved|thanks?|thank you|thx|helpful|nice|excellent|awesome|amazing|perfect|"
    r"useful|happy|satisfied|appreciated?|handy|friendly|fantastic|wonderful|brilliant|impressive|"
    r"professionally|(?:more|very|so|really) (?:reliable|professional)|well done|keep it up|"
    r"(?:five|5) stars?|time[- ]saver|(?:would|will|highly) recommend|big improvement|"
    r"much (?:better|more accurate|faster))\b"
    r"|\bsaves? (?:me |us )?(?:a lot of |so much )?time\b|\bhelped (?:me|us|my)\b"
    r"|\bexplain\w* (?:\w+ ){0,3}clearly\b"
    r"|好用|不错|谢谢|感谢|赞|满意|很棒|真棒|喜欢|方便|好评|给力|点赞|👍"
    r"|有用(?!户)|实用|靠谱|好懂|简洁(?!模式|版|一?些|一?点)|贴心|耐心|态度(?:很|挺|非常)?好"
    r"|五星|加油(?!站)|表扬|值得肯定|进步明显|有进步|准确多了"
    r"|(?:很|挺|非常|真|特别)(?:专业|及时|清楚)|(?:节省|省)了?(?:不少|很多)?时间",
    re.IGNORECASE,
)
_SHOUTING = re.compile(r"[!！]{2,}|[?？]{3,}|[!！?？]{3,}")


def praise_words(text: str) -> list[str]:
    """The praise words in `text` ("好用", "thanks", "saves time"), negated praise ("不好用") left out.

    Used by :func:`analytics.ranking.rank_pain_points` to tell praise from complaints: an item with
    praise words and no complaint signal is not a complaint.
    """
    if not text:
        return []
    return _POSITIVE.findall(_NEGATED_PRAISE.sub(" ", text))


def negative_tone(text: str) -> float:
    """How negative `text` sounds, 0 (neutral or positive) to 1 (angry), from a small zh + en lexicon.

    Each negative emotion word (negated praise such as "not helpful" included) adds 0.5, repeated
    ``!!`` or ``???`` adds 0.25, each praise word (:func:`praise_words`) takes 0.5 away; the sum is
    clipped to 0..1. It is a lexicon count, not a sentiment model: sarcasm and rare idioms slip
    through, which is why ranking shows it beside ratings rather than instead of them.
    """
    if not text:
        return 0.0
    negated = _NEGATED_PRAISE.findall(text)
    rest = _NEGATED_PRAISE.sub(" ", text)
    negative = len(negated) + len(_NEGATIVE.findall(rest))
    positive = len(_POSITIVE.findall(rest))
    shouting = 1 if _SHOUTING.search(text) else 0
    score = 0.5 * negative + 0.25 * shouting - 0.5 * positive
    return float(min(1.0, max(0.0, score)))

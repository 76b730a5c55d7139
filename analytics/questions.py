"""A questionnaire's questions as every layer reads them: kinds, scales, options, dimensions, the bank.

A survey is made of :class:`QuestionSpec` records. The builder stores them, the respondent page shows
them, an import from another survey tool maps its columns onto them, and the before/after comparison
picks its test from their kind:

========== ==================================== ================================================
kind       answer stored as                     compared by
========== ==================================== ================================================
scale      1..points (5 or 7)                   rank test, mean difference beside it; top box
nps        0..10                                NPS difference, bootstrap CI, t-test on scores
yes_no     1 yes, 0.5 partly, 0 no              share of "yes" (proportions; McNemar when paired)
single     option number 1..len(options)        chi-square, or Fisher-Freeman-Halton when small
multi      one 0/1 answer per option            share choosing each option (proportions)
number     any number                           Welch or paired t-test
text       redacted free text                   not compared (becomes survey_comment feedback)
========== ==================================== ================================================

In an answers frame (``analytics.survey_answers``) a question's rows carry ``kind`` =
:meth:`QuestionSpec.frame_kind` ("likert5", "likert7", "nps", "yes_no", "single", "number"); a
multiple-choice question contributes one question per option, coded :func:`option_code`, of kind
"multi", valued 1 (chosen) or 0 (not chosen, by a respondent who answered the question).

The dimension a question measures groups it for the multiple-comparison adjustment (a "family"):
by default every scale question of one dimension is one family.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal["scale", "nps", "yes_no", "single", "multi", "number", "text"]
KINDS: tuple[Kind, ...] = ("scale", "nps", "yes_no", "single", "multi", "number", "text")
MEASURED_KINDS: tuple[Kind, ...] = ("scale", "nps", "yes_no")  # kinds that name a dimension
SCALE_POINTS: tuple[int, ...] = (5, 7)
Wording = Literal["quality", "satisfaction", "agreement"]
WORDINGS: tuple[Wording, ...] = ("quality", "satisfaction", "agreement")

# The seed dimensions of the rectification process, then overall satisfaction and NPS (zh, en).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "accuracy": ("准确性", "Accuracy"),
    "ease_of_use": ("易用性", "Ease of use"),
    "response_speed": ("响应速度", "Response speed"),
    "problem_resolution": ("问题解决", "Problem resolution"),
    "overall": ("总体满意度", "Overall satisfaction"),
    "nps": ("NPS 净推荐值", "NPS"),
}

# Yes / partly / no as stored numbers, and their words (zh, en).
YES_NO: tuple[tuple[float, str, str], ...] = ((1.0, "是", "Yes"), (0.5, "部分", "Partly"), (0.0, "否", "No"))

# Words of every point of a scale, lowest first: (zh, en) by (points, wording).
SCALE_WORDS: dict[tuple[int, str], tuple[tuple[str, str], ...]] = {
    (5, "quality"): (
        ("很差", "Very poor"),
        ("较差", "Poor"),
        ("一般", "Fair"),
        ("较好", "Good"),
        ("很好", "Excellent"),
    ),
    (7, "quality"): (
        ("极差", "Extremely poor"),
        ("很差", "Very poor"),
        ("较差", "Poor"),
        ("一般", "Fair"),
        ("较好", "Good"),
        ("很好", "Very good"),
        ("极好", "Excellent"),
    ),
    (5, "satisfaction"): (
        ("非常不满意", "Very dissatisfied"),
        ("不满意", "Dissatisfied"),
        ("一般", "Neither satisfied nor dissatisfied"),
        ("满意", "Satisfied"),
        ("非常满意", "Very satisfied"),
    ),
    (5, "agreement"): (
        ("非常不同意", "Strongly disagree"),
        ("不同意", "Disagree"),
        ("中立", "Neither agree nor disagree"),
        ("同意", "Agree"),
        ("非常同意", "Strongly agree"),
    ),
    (7, "satisfaction"): (
        ("非常不满意", "Very dissatisfied"),
        ("不满意", "Dissatisfied"),
        ("比较不满意", "Somewhat dissatisfied"),
        ("一般", "Neither satisfied nor dissatisfied"),
        ("比较满意", "Somewhat satisfied"),
        ("满意", "Satisfied"),
        ("非常满意", "Very satisfied"),
    ),
    (7, "agreement"): (
        ("非常不同意", "Strongly disagree"),
        ("不同意", "Disagree"),
        ("比较不同意", "Somewhat disagree"),
        ("中立", "Neither agree nor disagree"),
        ("比较同意", "Somewhat agree"),
        ("同意", "Agree"),
        ("非常同意", "Strongly agree"),
    ),
}


@dataclass(frozen=True)
class Option:
    """One answer option of a single- or multiple-choice question, in both languages."""

    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The option's words in ``lang`` (Chinese for "zh", English otherwise)."""
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class QuestionSpec:
    """What a question asks and how its answers are read.

    Attributes:
        code: Unique within the survey; answers are keyed by it.
        kind: One of :data:`KINDS`.
        text_zh: The wording in Chinese.
        text_en: The wording in English.
        required: Whether a respondent must answer it.
        points: Scale points (5 or 7) of a scale question; None otherwise.
        wording: "quality" (very poor ... excellent), "satisfaction" or "agreement" for a scale question.
        end_labels: Optional labels of a scale's low end, midpoint and high end, each (zh, en); empty
            means the wording's words (:data:`SCALE_WORDS`).
        options: The options of a single- or multiple-choice question, in order.
        dimension: What a scale, NPS or yes/no question measures (a :data:`DIMENSIONS` key or a name the
            team gives); None for other kinds.
        higher_is_better: Whether a rise is an improvement (False e.g. for "minutes waited").
    """

    code: str
    kind: Kind
    text_zh: str
    text_en: str
    required: bool = True
    points: int | None = None
    wording: Wording | None = None
    end_labels: tuple[tuple[str, str], ...] = ()
    options: tuple[Option, ...] = field(default_factory=tuple)
    dimension: str | None = None
    higher_is_better: bool = True

    def text(self, lang: str) -> str:
        """The question's wording in ``lang`` (Chinese for "zh", English otherwise)."""
        return self.text_zh if lang == "zh" else self.text_en

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The inclusive range of a numeric answer (None for free numbers, choices and text)."""
        if self.kind == "scale":
            return (1.0, float(self.points or 5))
        if self.kind == "nps":
            return (0.0, 10.0)
        if self.kind == "yes_no":
            return (0.0, 1.0)
        return None

    def frame_kind(self) -> str:
        """The ``kind`` of this question's rows in an answers frame (see the module docstring)."""
        if self.kind == "scale":
            return f"likert{self.points or 5}"
        return self.kind

    def point_words(self, lang: str) -> tuple[str, ...]:
        """The words of every point of a scale question, lowest first (custom end labels applied)."""
        if self.kind != "scale":
            return ()
        points = self.points or 5
        words = [
            w[0] if lang == "zh" else w[1] for w in SCALE_WORDS[(points, self.wording or "satisfaction")]
        ]
        if self.end_labels:
            i = 0 if lang == "zh" else 1
            low, mid, high = (tuple(self.end_labels) + (("", ""),) * 3)[:3]
            words[0] = low[i] or words[0]
            words[points // 2] = mid[i] or words[points // 2]
            words[-1] = high[i] or words[-1]
        return tuple(words)

    def family(self) -> str:
        """The default multiple-comparison family: scale questions by dimension, others by themselves."""
        if self.kind == "scale":
            return f"scale:{self.dimension or ''}"
        if self.kind == "multi":
            return f"multi:{self.code}"
        return f"{self.kind}:{self.code}"


def option_code(code: str, number: int) -> str:
    """The answers-frame question code of option ``number`` (1-based) of a multiple-choice question."""
    return f"{code}:{number}"


def answer_codes(spec: QuestionSpec) -> tuple[str, ...]:
    """The answers-frame question codes of a question: its options' for multiple choice, none for text."""
    if spec.kind == "text":
        return ()
    if spec.kind == "multi":
        return tuple(option_code(spec.code, i) for i in range(1, len(spec.options) + 1))
    return (spec.code,)


def dimension_label(dimension: str | None, lang: str) -> str:
    """A dimension's name in ``lang``: the seed ones translated, a team's own name as it is."""
    if not dimension:
        return ""
    zh, en = DIMENSIONS.get(dimension, (dimension, dimension))
    return zh if lang == "zh" else en


# --- the question bank ------------------------------------------------------------------------------


def _scale(code: str, zh: str, en: str, dimension: str, wording: Wording = "quality") -> QuestionSpec:
    return QuestionSpec(code, "scale", zh, en, points=5, wording=wording, dimension=dimension)


# Ready-made bilingual questions, grouped as the builder offers them: (group key, questions).
BANK: tuple[tuple[str, tuple[QuestionSpec, ...]], ...] = (
    (
        "accuracy",
        (
            _scale("accuracy", "回答的准确性如何？", "How accurate are the answers?", "accuracy"),
            _scale(
                "accuracy_trust",
                "我可以信赖它给出的答案。",
                "I can rely on the answers it gives.",
                "accuracy",
                "agreement",
            ),
        ),
    ),
    (
        "ease_of_use",
        (
            _scale("ease_of_use", "使用起来是否方便？", "How easy is it to use?", "ease_of_use"),
            _scale(
                "ease_understand",
                "我能轻松理解它的回答。",
                "Its answers are easy to understand.",
                "ease_of_use",
                "agreement",
            ),
        ),
    ),
    (
        "response_speed",
        (
            _scale("response_speed", "响应速度如何？", "How fast does it respond?", "response_speed"),
            QuestionSpec(
                "wait_seconds",
                "number",
                "您通常需要等待几秒才能得到回答？",
                "How many seconds do you usually wait for an answer?",
                required=False,
                higher_is_better=False,
            ),
        ),
    ),
    (
        "problem_resolution",
        (
            # A statement to agree with: "very poor ... excellent" does not answer "was it solved?".
            _scale(
                "problem_resolution",
                "它解决了我的问题。",
                "It solved my problem.",
                "problem_resolution",
                "agreement",
            ),
            QuestionSpec(
                "resolved",
                "yes_no",
                "这次您的问题解决了吗？",
                "Was your problem solved this time?",
                dimension="problem_resolution",
            ),
        ),
    ),
    ("csat", (_scale("csat", "总体满意度", "Overall, how satisfied are you?", "overall", "satisfaction"),)),
    (
        "nps",
        (
            QuestionSpec(
                "nps",
                "nps",
                "您有多大可能向朋友或同事推荐？",
                "How likely are you to recommend it to a friend or colleague?",
                dimension="nps",
            ),
        ),
    ),
    (
        "comment",
        (
            QuestionSpec(
                "comment",
                "text",
                "还有什么想告诉我们的？",
                "Anything else you would like to tell us?",
                required=False,
            ),
        ),
    ),
)

# Rectify's standard questionnaire: the first question of each bank group (today's template).
STANDARD: tuple[QuestionSpec, ...] = tuple(group[0] for _, group in BANK)


def bank_question(code: str) -> QuestionSpec:
    """The bank's question of that code.

    Raises:
        KeyError: No bank question has the code.
    """
    for _, group in BANK:
        for spec in group:
            if spec.code == code:
                return spec
    raise KeyError(code)


def renamed(spec: QuestionSpec, code: str) -> QuestionSpec:
    """The same question under another code (adding a bank question twice, a new version)."""
    return replace(spec, code=code)

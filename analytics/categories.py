"""Sort feedback into accuracy / interaction experience / performance / other.

Zero-shot first: every category is described by a few short prototype sentences in Chinese and
English (:data:`DESCRIPTIONS`), embedded with the same encoder as the feedback. An item's score for a
category is a soft maximum of its cosine similarity to that category's examples::

    score_c = t * log( (sum_p exp(sim_p / t) + w * sum_k exp(sim_k / t)) / n_prototypes_c )

over the prototypes ``p`` of ``c`` and the analysts' corrections ``k`` labelled ``c`` (``t`` = 0.1,
``w`` = 1). With no corrections this is a log-mean-exp over the prototypes, between the mean and the
maximum similarity. Corrections only ever add to their category's sum, so:

* a correction sticks: the corrected text itself has similarity 1 to its correction, which outweighs any
  prototype (``exp(10)`` against at most a few ``exp(7)``); storage keeps the analyst's label anyway,
  see :func:`resolve_category`;
* a correction teaches: a near-paraphrase (similarity 0.8-0.9) follows it, while unrelated items
  (similarity 0.1-0.3) hardly feel it;
* the weight of the corrections grows with their number, smoothly, with no switch-over point.

The constants were chosen by 5-fold cross-validation on ``tests/data/categories_labelled.jsonl`` (see
``bench/category_quality.py``, which prints the figures); the confidence temperature (0.03) was fitted
on the same set so that a confidence of 0.8 means about 80 % correct.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from analytics.embeddings import Encoder
from analytics.vocabulary import CATEGORIES, MODEL_SOURCE, is_analyst_label

SCORE_COLUMNS: tuple[str, ...] = tuple(f"score_{c}" for c in CATEGORIES)

# Short prototype sentences, worded as users complain. Kept apart from the labelled test set: none of
# these sentences is in it.
DESCRIPTIONS: Mapping[str, tuple[str, ...]] = {
    "accuracy": (
        "The answer is factually wrong.",
        "The information is incorrect or outdated.",
        "The assistant made up facts that are not true.",
        "The AI hallucinated a fake source or reference.",
        "Wrong medication dosage or wrong medical advice.",
        "The calculation result is incorrect.",
        "Wrong interest rate, fee or financial figure.",
        "The solution to the exercise is wrong.",
        "The grading marked a correct answer as wrong.",
        "It gives inconsistent answers to the same question.",
        "Misleading health information or a wrong diagnosis.",
        "回答的内容是错误的",
        "信息不准确或者已经过时",
        "AI 编造了不存在的事实",
        "引用的文献或出处是假的",
        "用药剂量说错了，医疗建议有误",
        "计算结果算错了",
        "利率、费用或金额说错了",
        "题目的答案是错的",
        "批改判错了，对的判成错的",
        "同一个问题前后回答不一致",
        "诊断建议不靠谱，有误导",
    ),
    "interaction": (
        "The assistant misunderstood my question.",
        "It forgets the context of the conversation.",
        "The reply is too long and verbose.",
        "The interface is confusing and hard to navigate.",
        "Voice input does not recognise what I say.",
        "The tone is rude, cold or condescending.",
        "It refuses to answer and just tells me to ask someone else.",
        "It replied in the wrong language.",
        "The text is hard to read and the layout is messy.",
        "It does not follow my instructions.",
        "The answer is vague and not specific to my situation.",
        "没理解我的问题，答非所问",
        "记不住上下文，要重复说",
        "回答太啰嗦太长",
        "界面混乱，操作不方便，找不到功能",
        "语音输入识别不准",
        "语气生硬，态度不好",
        "拒绝回答，只让我去问别人",
        "回复的语言不对",
        "排版混乱，字看不清",
        "不按我的要求回答",
        "回答太笼统，不够具体",
    ),
    "performance": (
        "The response is very slow.",
        "The request timed out.",
        "The app crashes or closes unexpectedly.",
        "The app freezes and lags.",
        "I cannot log in.",
        "Server error, the service is down.",
        "The page will not load.",
        "Upload or download keeps failing.",
        "My data was lost after the update.",
        "It uses too much battery and memory.",
        "The answer stops in the middle.",
        "响应太慢，等很久",
        "请求超时",
        "应用闪退崩溃",
        "卡顿卡死",
        "无法登录",
        "服务器报错，服务挂了",
        "页面加载不出来",
        "上传或下载一直失败",
        "更新后数据丢失",
        "耗电发热占内存",
        "回答生成到一半中断",
    ),
    "other": (
        "The price is too expensive.",
        "Please delete my personal data and account.",
        "I am worried about privacy and who can see my data.",
        "Great app, thank you, very helpful.",
        "Please add a new feature.",
        "Question about subscription, billing or refund.",
        "I want to talk to a human.",
        "Unrelated message or test.",
        "General question about the company or product plans.",
        "价格太贵",
        "请删除我的个人数据和账号",
        "担心隐私，谁能看到我的数据",
        "很好用，谢谢，点赞",
        "建议增加新功能",
        "会员订阅、扣费、退款问题",
        "我要找人工客服",
        "无关的内容，测试",
        "咨询公司或者产品套餐",
    ),
}

_CHUNK = 4096  # rows scored at a time, so 100k items x thousands of corrections stays small in memory


def _as_rows(embeddings: np.ndarray | Sequence[Sequence[float]], what: str) -> np.ndarray:
    rows = np.asarray(embeddings, dtype=np.float32)
    if rows.ndim != 2:
        raise ValueError(f"{what} must be a 2-d array (one row per text), got shape {rows.shape}")
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1, norms)


def _check_labels(labels: Sequence[str]) -> np.ndarray:
    unknown = sorted({str(label) for label in labels} - set(CATEGORIES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; expected one of {list(CATEGORIES)}")
    return np.asarray([str(label) for label in labels], dtype=object)


@dataclass(frozen=True, eq=False)
class CategoryClassifier:
    """Zero-shot category prototypes plus analysts' corrections; immutable, safe to cache and share.

    Build one with :meth:`from_encoder`, add corrections with :meth:`with_corrections` (which returns a
    new classifier), then call :meth:`predict` on embeddings from the same encoder.
    """

    model_id: str
    prototypes: np.ndarray
    prototype_labels: np.ndarray
    corrections: np.ndarray
    correction_labels: np.ndarray
    temperature: float = 0.1
    correction_weight: float = 1.0
    confidence_temperature: float = 0.03

    def __post_init__(self) -> None:
        if self.temperature <= 0 or self.confidence_temperature <= 0:
            raise ValueError("temperatures must be > 0")
        if self.correction_weight < 0:
            raise ValueError("correction_weight must be >= 0")

    @classmethod
    def from_encoder(
        cls, encoder: Encoder, descriptions: Mapping[str, Sequence[str]] | None = None
    ) -> CategoryClassifier:
        """A zero-shot classifier: `descriptions` (default :data:`DESCRIPTIONS`) embedded by `encoder`."""
        descriptions = DESCRIPTIONS if descriptions is None else descriptions
        missing = [c for c in CATEGORIES if not descriptions.get(c)]
        if missing:
            raise ValueError(f"every category needs at least one description; missing: {missing}")
        _check_labels(list(descriptions))
        texts = [text for c in CATEGORIES for text in descriptions[c]]
        labels = [c for c in CATEGORIES for _ in descriptions[c]]
        vectors = _as_rows(encoder.encode(texts), "prototype embeddings")
        return cls(
            model_id=encoder.model_id,
            prototypes=vectors,
            prototype_labels=np.asarray(labels, dtype=object),
            corrections=np.zeros((0, vectors.shape[1]), dtype=np.float32),
            correction_labels=np.asarray([], dtype=object),
        )

    @property
    def n_corrections(self) -> int:
        """How many corrections the classifier has learnt from."""
        return len(self.correction_labels)

    def with_corrections(
        self, embeddings: np.ndarray | Sequence[Sequence[float]], labels: Sequence[str]
    ) -> CategoryClassifier:
        """A new classifier that also learns from these analysts' corrections.

        Args:
            embeddings: one row per corrected text, from the encoder the classifier was built with.
            labels: the analyst's category for each row (one of :data:`CATEGORIES`).

        Corrections add to those already held. When the same text (the same embedding to four
        decimals) was corrected more than once, the latest correction wins.
        """
        vectors = _as_rows(embeddings, "correction embeddings")
        checked = _check_labels(labels)
        if len(vectors) != len(checked):
            raise ValueError(f"{len(vectors)} correction embeddings but {len(checked)} labels")
        if len(vectors) and vectors.shape[1] != self.prototypes.shape[1]:
            raise ValueError(
                f"correction embeddings have {vectors.shape[1]} dimensions, the classifier's model "
                f"{self.model_id} has {self.prototypes.shape[1]}: embed them with the same encoder"
            )
        all_vectors = np.vstack([self.corrections, vectors])
        all_labels = np.concatenate([self.correction_labels, checked])
        # The encoder is deterministic, so the same text gives the same row; keep its last label.
        last_row = {np.round(row, 4).tobytes(): i for i, row in enumerate(all_vectors)}
        keep = np.zeros(len(all_vectors), dtype=bool)
        keep[list(last_row.values())] = True
        return replace(self, corrections=all_vectors[keep], correction_labels=all_labels[keep])

    def scores(self, embeddings: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Per-category scores, one row per embedding, columns in :data:`CATEGORIES` order."""
        return self._scores(embeddings)[1]

    def _scores(self, embeddings: np.ndarray | Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
        """(zero-shot scores, scores with the corrections), computed from the same similarities."""
        vectors = _as_rows(embeddings, "embeddings")
        if len(vectors) and vectors.shape[1] != self.prototypes.shape[1]:
            raise ValueError(
                f"embeddings have {vectors.shape[1]} dimensions, the classifier's model "
                f"{self.model_id} has {self.prototypes.shape[1]}: embed them with the same encoder"
            )
        t = self.temperature
        zero = np.zeros((len(vectors), len(CATEGORIES)), dtype=np.float64)
        full = np.zeros_like(zero)
        for j, category in enumerate(CATEGORIES):
            protos = self.prototypes[self.prototype_labels == category].T
            taught = self.corrections[self.correction_labels == category].T
            for start in range(0, len(vectors), _CHUNK):
                rows = slice(start, start + _CHUNK)
                chunk = vectors[rows]
                # log of sum exp(sim / t) over the prototypes, then over the corrections
                from_protos = logsumexp((chunk @ protos).astype(np.float64) / t, axis=1)
                zero[rows, j] = t * (from_protos - np.log(protos.shape[1]))
                if taught.shape[1] == 0 or self.correction_weight == 0:
                    full[rows, j] = zero[rows, j]
                    continue
                from_taught = logsumexp((chunk @ taught).astype(np.float64) / t, axis=1)
                total = np.logaddexp(from_protos, np.log(self.correction_weight) + from_taught)
                full[rows, j] = t * (total - np.log(protos.shape[1]))
        return zero, full

    def predict(self, embeddings: np.ndarray | Sequence[Sequence[float]]) -> pd.DataFrame:
        """The category of each embedding, with how sure the classifier is and why.

        Returns:
            One row per embedding, in input order, with columns:

            - ``category``: the predicted category id (accuracy, interaction, performance, other).
            - ``confidence``: softmax probability of that category (0.25-1); calibrated on the
              labelled set, so items below about 0.6 are worth an analyst's look.
            - ``margin``: best score minus the runner-up's score; small means a close call.
            - ``zero_shot_category``: what the descriptions alone say; differs from ``category``
              where corrections taught the classifier otherwise.
            - ``score_accuracy``, ``score_interaction``, ``score_performance``, ``score_other``:
              the soft-maximum similarity to each category's prototypes and corrections (about
              -0.1 to 1; higher is closer).
        """
        zero_scores, scores = self._scores(embeddings)
        columns = ["category", "confidence", "margin", "zero_shot_category", *SCORE_COLUMNS]
        if len(scores) == 0:
            frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
            for c in ("category", "zero_shot_category"):
                frame[c] = frame[c].astype("string")
            return frame
        names = np.asarray(CATEGORIES, dtype=object)
        logits = (scores - scores.max(axis=1, keepdims=True)) / self.confidence_temperature
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        top_two = np.sort(scores, axis=1)[:, -2:]
        frame = pd.DataFrame(
            {
                "category": pd.array(names[scores.argmax(axis=1)], dtype="string"),
                "confidence": probs.max(axis=1),
                "margin": top_two[:, 1] - top_two[:, 0],
                "zero_shot_category": pd.array(names[zero_scores.argmax(axis=1)], dtype="string"),
            }
        )
        for j, column in enumerate(SCORE_COLUMNS):
            frame[column] = scores[:, j]
        return frame


def categorise(
    texts: Sequence[str], encoder: Encoder, classifier: CategoryClassifier | None = None
) -> pd.DataFrame:
    """Embed `texts` with `encoder` and categorise them (zero-shot unless `classifier` is given).

    Returns:
        The frame of :meth:`CategoryClassifier.predict`, one row per text.
    """
    classifier = classifier or CategoryClassifier.from_encoder(encoder)
    if classifier.model_id != encoder.model_id:
        raise ValueError(
            f"classifier built with {classifier.model_id}, texts embedded with {encoder.model_id}"
        )
    return classifier.predict(encoder.encode(list(texts)))


def _is_category(value: object) -> bool:
    return isinstance(value, str) and value in CATEGORIES


def resolve_category(
    stored_category: str | None, stored_source: str | None, predicted_category: str
) -> tuple[str, str]:
    """The (category, category_source) to store: an analyst's label stays, anything else is re-predicted."""
    if is_analyst_label(stored_source) and _is_category(stored_category):
        return str(stored_category), str(stored_source)
    return predicted_category, MODEL_SOURCE


def apply_predictions(items: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """Stored labels updated with `predictions`, keeping every analyst's label as it is.

    Args:
        items: one row per feedback with ``category`` and ``category_source`` (either may be missing).
        predictions: :meth:`CategoryClassifier.predict` output for the same rows, in the same order.

    Returns:
        A copy of `items` with ``category`` and ``category_source`` filled in: rows whose source is an
        analyst keep their label; every other row gets the predicted category and source ``"model"``.
    """
    if len(items) != len(predictions):
        raise ValueError(f"{len(items)} items but {len(predictions)} predictions")
    out = items.copy()
    stored_cat = out["category"] if "category" in out else pd.Series([None] * len(out), index=out.index)
    stored_src = (
        out["category_source"] if "category_source" in out else pd.Series([None] * len(out), index=out.index)
    )
    resolved = [
        resolve_category(cat, src, pred)
        for cat, src, pred in zip(
            stored_cat.tolist(), stored_src.tolist(), predictions["category"].tolist(), strict=True
        )
    ]
    out["category"] = pd.array([c for c, _ in resolved], dtype="string")
    out["category_source"] = pd.array([s for _, s in resolved], dtype="string")
    return out


def corrections_from(items: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The analysts' corrections among stored items: their embeddings and labels.

    Args:
        items: rows with ``category`` and ``category_source``, aligned with `embeddings`.
        embeddings: one row per item.

    Returns:
        ``(vectors, labels)`` for the rows an analyst labelled, ready for
        :meth:`CategoryClassifier.with_corrections`.
    """
    if len(items) != len(embeddings):
        raise ValueError(f"{len(items)} items but {len(embeddings)} embeddings")
    mask = np.asarray(
        [
            is_analyst_label(src) and _is_category(cat)
            for cat, src in zip(items["category"].tolist(), items["category_source"].tolist(), strict=True)
        ],
        dtype=bool,
    )
    labels = [str(c) for c in items["category"].to_numpy()[mask]]
    return np.asarray(embeddings)[mask], labels

"""Encoders and the embedding cache, with the real models shipped in PyPI packages."""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import func, select

from analytics.embeddings import (
    DEFAULT_MODEL,
    HybridEncoder,
    choose_model,
    encode_in_batches,
    load_encoder,
)
from analytics.hashing import content_hash
from db.embedding_cache import load_embeddings
from db.engine import unit_of_work
from db.models import Embedding
from services.pain_points import embed_with_cache

pytestmark = pytest.mark.slow

SENTENCES = [
    "I am still waiting on my card, it has been two weeks.",
    "My new card has not arrived yet.",
    "How do I change my PIN?",
    "卡已经两周了还没寄到。",
    "客服态度很差，退款一直没有处理。",
    "退款申请了一个月都没到账。",
]


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode (instrumentation, not a mock)."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.model_id = inner.model_id
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        return self._inner.encode(texts)


@pytest.fixture(scope="session")
def use():
    return load_encoder("use-multilingual")


@pytest.fixture(scope="session")
def minilm():
    return load_encoder("minilm")


def test_default_encoder_returns_unit_float32_rows_and_knows_chinese(use):
    assert DEFAULT_MODEL == "use-multilingual"
    vectors = use.encode(SENTENCES)
    assert vectors.dtype == np.float32 and vectors.shape == (6, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]  # same intent beats another intent
    assert similarity[0, 3] > similarity[0, 4]  # across languages too
    assert similarity[4, 5] > similarity[4, 3]
    assert use.encode([]).shape == (0, 512)


def test_minilm_loads_from_its_package_without_deprecation_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoder = load_encoder("minilm")
        vectors = encoder.encode(SENTENCES[:3])
    assert encoder.model_id == "all-MiniLM-L6-v2"
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert not [w for w in caught if "get_sentence_embedding_dimension" in str(w.message)]
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed")
def test_int8_onnx_agrees_with_torch(minilm):
    from analytics.embeddings import OnnxInt8Encoder, minilm_path

    int8 = OnnxInt8Encoder(minilm_path(), model_id="all-MiniLM-L6-v2")
    assert int8.model_id == "all-MiniLM-L6-v2:onnx-int8"  # cached apart from the torch vectors
    texts = SENTENCES[:3] + [
        "Why was I charged twice for the same transfer?",
        "The exchange rate you gave me was wrong.",
        "I lost my wallet with the card in it, please block it.",
        "ok",
    ]
    cosine = (int8.encode(texts) * minilm.encode(texts)).sum(axis=1)
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.95, cosine
    assert int8.agreement["mean"] >= 0.99
    assert type(load_encoder("minilm-int8")).__name__ == "OnnxInt8Encoder"


def test_hybrid_adds_the_english_model_for_english_texts_only(use, minilm):
    hybrid = HybridEncoder(use, minilm, weight=0.5)
    vectors = hybrid.encode(SENTENCES)
    assert vectors.shape == (6, 512 + 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert np.abs(vectors[:3, 512:]).sum() > 0 and np.abs(vectors[3:, 512:]).sum() == 0
    assert hybrid.encode([]).shape == (0, 896)


def test_batches_report_progress(use):
    seen = []
    vectors = encode_in_batches(
        use, SENTENCES * 3, batch_size=5, progress=lambda done, total: seen.append(done)
    )
    assert vectors.shape == (18, 512) and seen == [5, 10, 15, 18]


def test_rerun_after_new_items_embeds_only_the_new_ones(engine, use):
    counting = CountingEncoder(use)
    first = {
        content_hash(t): t for t in (f"Complaint {i}: the answer about fees was unclear" for i in range(200))
    }
    with unit_of_work(engine) as session:
        vectors = embed_with_cache(session, counting, first)
    assert counting.encoded == 200 and set(vectors) == set(first)

    new = {content_hash(t): t for t in (f"新问题 {i}：回答太慢，等了很久" for i in range(1000))}
    with unit_of_work(engine) as session:
        again = embed_with_cache(session, counting, {**first, **new})
    assert counting.encoded == 200 + 1000  # the 200 cached texts were not encoded again
    assert len(again) == 1200
    for h in list(first)[:5]:
        np.testing.assert_array_equal(again[h], vectors[h])
    direct = use.encode([new[h] for h in list(new)[:3]])
    np.testing.assert_allclose(np.vstack([again[h] for h in list(new)[:3]]), direct, atol=1e-6)

    with unit_of_work(engine) as session:
        embed_with_cache(session, counting, {**first, **new})
        stored = session.scalar(select(func.count()).select_from(Embedding))
        cached = load_embeddings(session, use.model_id, list(first)[:3])
    assert counting.encoded == 1200 and stored == 1200
    assert all(v.dtype == np.float32 and v.shape == (512,) for v in cached.values())


def test_the_cache_is_per_model(engine, use, minilm):
    texts = {content_hash(t): t for t in SENTENCES}
    with unit_of_work(engine) as session:
        embed_with_cache(session, use, texts)
        vectors = embed_with_cache(session, minilm, texts)
        assert session.scalar(select(func.count()).select_from(Embedding)) == 2 * len(texts)
    assert {v.shape for v in vectors.values()} == {(384,)}


def test_the_encoder_is_chosen_by_the_corpus_language():
    english = ["My card has not arrived", "How do I change my PIN?"] * 20
    assert choose_model(english) == "minilm-int8"
    assert choose_model(english + ["卡还没到", "退款没到账", "太慢了"]) == DEFAULT_MODEL
    assert choose_model([]) == DEFAULT_MODEL

"""Typical scenarios: quotes near the topic's centre that differ from one another."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.scenarios import typical_scenarios


def _topic(seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """A topic with one crowded scenario (many near-identical items) and three rarer ones.

    The crowded scenario sits closest to the centroid, so picking by centrality alone shows it again
    and again.
    """
    rng = np.random.default_rng(seed)
    dim = 32
    center = np.zeros(dim, dtype=np.float32)
    center[0] = 1.0
    directions = np.eye(dim, dtype=np.float32)[1:5]
    texts: list[str] = []
    rows: list[np.ndarray] = []
    # scenario 0: 20 near-duplicates right at the centre
    for i in range(20):
        texts.append(f"Upload crashes the app, attempt {i}")
        rows.append(center + 0.15 * directions[0] + rng.normal(0, 0.01, dim))
    # scenarios 1-3: five items each, a little further out
    for s, word in enumerate(["login code never arrives", "answer cut off halfway", "voice input fails"], 1):
        for i in range(5):
            texts.append(f"{word} ({i})")
            rows.append(center + 0.6 * directions[s] + rng.normal(0, 0.01, dim))
    vectors = np.vstack(rows).astype(np.float32)
    return texts, vectors, center


def _max_pairwise(vectors: np.ndarray, picks: pd.Series) -> float:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    chosen = unit[picks.to_numpy()]
    sim = chosen @ chosen.T
    np.fill_diagonal(sim, -1)
    return float(sim.max())


def test_quotes_cover_different_scenarios_where_centrality_alone_repeats_one():
    texts, vectors, center = _topic()
    diverse = typical_scenarios(texts, vectors, center, k=4)
    central = typical_scenarios(texts, vectors, center, k=4, diversity=0.0, near_duplicate=1.01)

    assert list(diverse.columns) == ["position", "text", "similarity", "redundancy"]
    assert len(diverse) == 4
    # Centrality alone: four variants of the crowded scenario.
    assert all(t.startswith("Upload crashes") for t in central["text"])
    # MMR: one quote per scenario, the most typical first.
    scenarios = {t.split(" (")[0].split(",")[0] for t in diverse["text"]}
    assert scenarios == {
        "Upload crashes the app",
        "login code never arrives",
        "answer cut off halfway",
        "voice input fails",
    }
    assert diverse["text"].iloc[0].startswith("Upload crashes")
    assert diverse["redundancy"].iloc[0] == 0
    assert _max_pairwise(vectors, diverse["position"]) < _max_pairwise(vectors, central["position"])


def test_the_same_text_and_texts_without_words_are_never_shown():
    texts = ["App crashes on upload"] * 5 + ["  app crashes on UPLOAD "] + ["😡😡😡", "", "???"]
    texts += ["Login code never arrives", "The answer stops halfway"]
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(len(texts), 16)).astype(np.float32)
    vectors[:6] = vectors[0]  # the copies embed alike
    vectors[6:9] = vectors[0] * 1.01  # the no-word items sit right at the centre
    picks = typical_scenarios(texts, vectors, vectors[0], k=6)
    shown = picks["text"].tolist()
    assert len({t.strip().lower() for t in shown}) == len(shown)
    assert not {"😡😡😡", "", "???"} & set(shown)
    assert len(shown) == 3  # three distinct texts with words


def test_near_duplicates_are_not_shown_twice():
    texts = ["slow at peak hours", "slow at peak hours!!", "very slow during peak hours", "wrong dosage"]
    base = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    vectors = np.vstack([base, base + [0, 0.01, 0], base + [0, 0.02, 0], [0.5, 0.0, 0.87]]).astype(np.float32)
    picks = typical_scenarios(texts, vectors, k=4)
    assert picks["text"].tolist() == ["slow at peak hours!!", "wrong dosage"]


def test_small_topics_and_defaults():
    assert typical_scenarios([], np.zeros((0, 8))).empty
    one = typical_scenarios(["only one complaint"], np.ones((1, 8)), k=5)
    assert one["text"].tolist() == ["only one complaint"]
    assert one["similarity"].iloc[0] == pytest.approx(1.0)
    texts, vectors, _ = _topic(3)
    # Without a centroid the mean of the topic is used; k caps the quotes.
    assert len(typical_scenarios(texts, vectors, k=6)) == 4  # four scenarios, near-duplicates dropped
    assert len(typical_scenarios(texts, vectors, k=2)) == 2


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="embeddings of shape"):
        typical_scenarios(["a", "b"], np.zeros((3, 4)))
    with pytest.raises(ValueError, match="diversity"):
        typical_scenarios(["a"], np.ones((1, 4)), diversity=2)
    with pytest.raises(ValueError, match="k and candidates"):
        typical_scenarios(["a"], np.ones((1, 4)), k=0)
    with pytest.raises(ValueError, match="centroid"):
        typical_scenarios(["a"], np.ones((1, 4)), np.ones(3))


def test_chinese_quotes_from_the_real_encoder_differ(encoder):
    texts = [
        "上传化验单就闪退",
        "上传化验单的时候闪退了",
        "一上传化验单app就闪退",
        "拍照上传体检报告直接崩溃",
        "The app crashes whenever I upload a lab report photo",
        "上传图片后白屏，只能强制关闭",
        "上传PDF版报告一直转圈然后退出",
    ]
    vectors = encoder.encode(texts)
    picks = typical_scenarios(texts, vectors, k=3)
    assert len(picks) == 3
    assert picks["redundancy"].iloc[1:].max() < 0.92
    # The three near-paraphrases of the first sentence never fill the list together.
    assert (
        len({"上传化验单就闪退", "上传化验单的时候闪退了", "一上传化验单app就闪退"} & set(picks["text"])) <= 1
    )


@pytest.fixture(scope="module")
def encoder():
    from analytics.embeddings import load_encoder

    return load_encoder("use-multilingual")

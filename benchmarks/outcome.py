"""Train the outcome text model on tests/outcomes/corpus.jsonl and measure it.

    python benchmarks/outcome.py            # train, measure, compare with the shipped model
    python benchmarks/outcome.py --write    # ... and ship recorder/derive/outcome_model.json
    python benchmarks/outcome.py --dev-only # measure dev only (for iterating: test unseen)

Training needs scikit-learn (the ``dev`` extra); judging does not. Trained on train and
dev; the regularisation of both models (whole report, sentence), the weights that pool
their scores and the decision threshold are chosen by cross-validation on them (dev is
reported as judged by models that did not see it); test is only measured.
Deterministic: the same corpus gives the same weights.
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
C_GRID = (30.0, 100.0)
C_SENTENCE_GRID = (30.0, 100.0, 300.0)
STACK_C = 1.0
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


_FEATURES: dict[str, outcome_model.Features] = {}


def features(text: str) -> outcome_model.Features:
    """A report's features (made once per text per run)."""
    found = _FEATURES.get(text)
    if found is None:
        found = _FEATURES[text] = outcome_model.Features(text, BITS)
    return found


def csr(vectors: list[dict[int, float]], bits: int):
    from scipy.sparse import csr_matrix

    data, indices, indptr = [], [], [0]
    for vec in vectors:
        for b in sorted(vec):
            indices.append(b)
            data.append(vec[b])
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(vectors), 1 << bits))


def matrix(rows: list[dict], bits: int = BITS, tags: str | None = None):
    """The reports' whole-text features (of the families ``tags``, if given), one row each,
    folded into ``2**bits`` columns."""
    return csr([outcome_model.fold(features(r["text"]).vector(tags), bits) for r in rows], bits)


class Corpus:
    """The reports trained on, as matrices: whole reports, and all their sentences."""

    def __init__(self, rows: list[dict]) -> None:
        import numpy as np

        self.rows = rows
        self.x = matrix(rows)
        self.y = np.array([r["label"] == "failure" for r in rows])
        self.folds = np.array([fold_of(r) for r in rows])
        owner, vectors = [], []
        for i, r in enumerate(rows):
            found = features(r["text"]).sentence_vectors()
            vectors += found
            owner += [i] * len(found)
        self.owner = np.array(owner, dtype=int)
        self.sx = csr(vectors, BITS)


def fit_failure(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced")
    return clf.fit(x, y)


def fit_sentences(data: Corpus, idx, c: float):
    """The sentence model, fitted on the sentences of the reports ``idx``, each labelled
    as its report is. (Relabelling a failed report's sentences by the model's own scores,
    multiple-instance style, scored lower in cross-validation.)"""
    import numpy as np

    rows = np.flatnonzero(np.isin(data.owner, idx))
    return fit_failure(data.sx[rows], data.y[data.owner[rows]], c)


def fit_stacker(pool, y):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=STACK_C, class_weight="balanced").fit(pool, y)


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


def out_of_fold(data: Corpus, idx, c: float, c_sent: float):
    """The pooled scores of the reports ``idx``, each from models fitted on the other
    folds of ``idx``."""
    return pool_of(
        data, idx, doc_out_of_fold(data, idx, c), sentences_out_of_fold(data, idx, c_sent)
    )


def doc_out_of_fold(data: Corpus, idx, c: float):
    """The whole-report model's score of each report ``idx``, fitted on the other folds."""
    import numpy as np

    idx = np.asarray(idx)
    z = np.zeros(len(idx))
    for k in sorted(set(data.folds[idx].tolist())):
        held = data.folds[idx] == k
        doc = fit_failure(data.x[idx[~held]], data.y[idx[~held]], c)
        z[held] = doc.decision_function(data.x[idx[held]])
    return z


def sentences_out_of_fold(data: Corpus, idx, c: float):
    """The sentence model's score of every sentence of the reports ``idx`` (by report,
    in order), fitted on the other folds."""
    import numpy as np

    idx = np.asarray(idx)
    z = np.zeros(data.sx.shape[0])
    for k in sorted(set(data.folds[idx].tolist())):
        held = data.folds[idx] == k
        sent = fit_sentences(data, idx[~held], c)
        rows = np.flatnonzero(np.isin(data.owner, idx[held]))
        z[rows] = sent.decision_function(data.sx[rows])
    return z


def pool_of(data: Corpus, idx, z_doc, z_sent):
    """``outcome_model.pooled`` of each report ``idx`` from its score and its sentences'."""
    import numpy as np

    by_report: dict[int, list[float]] = {}
    for i, z in zip(data.owner, z_sent, strict=True):
        by_report.setdefault(int(i), []).append(float(z))
    return np.array(
        [
            outcome_model.pooled(float(d), by_report.get(int(i), []))
            for i, d in zip(idx, z_doc, strict=True)
        ]
    )


def scored_rows(data: Corpus, idx) -> list[int]:
    """Positions in ``idx`` of the corpus's own reports (the train-only ones are trained
    on only, not scored)."""
    return [j for j, i in enumerate(idx) if data.rows[i]["source"] != "train_only"]


def fit(data: Corpus, idx, c: float, c_sent: float) -> dict:
    """The models fitted on the reports ``idx``: the model file's content. The weights of
    the pooled scores and the threshold come from scores out of fold."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    idx = np.asarray(idx)
    pool = out_of_fold(data, idx, c, c_sent)
    stacker = fit_stacker(pool, data.y[idx])
    probs = stacker.predict_proba(pool)[:, 1]
    scored = scored_rows(data, idx)
    threshold = choose_threshold(
        [data.rows[idx[j]]["label"] for j in scored], [float(probs[j]) for j in scored]
    )
    clf = fit_failure(data.x[idx], data.y[idx], c)
    sent = fit_sentences(data, idx, c_sent)
    rows = [data.rows[i] for i in idx]
    failed = [r for r in rows if r["label"] == "failure"]
    kinds = LogisticRegression(C=c, max_iter=2000).fit(
        matrix(failed, KIND_BITS, outcome_model.KIND_FAMILIES), [r["failure_kind"] for r in failed]
    )
    scale, blob = outcome_model.pack([float(w) for w in clf.coef_[0]])
    sent_scale, sent_blob = outcome_model.pack([float(w) for w in sent.coef_[0]])
    kind_scale, kind_blob = outcome_model.pack([float(w) for w in kinds.coef_.ravel()])
    model = {
        "bits": BITS,
        "c": c,
        "c_sentence": c_sent,
        "threshold": threshold,
        "unknown_below": round(max(0.0, threshold - VAGUE_BAND), 2),
        "failure": {"bias": float(clf.intercept_[0]), "scale": scale, "weights": blob},
        "sentence": {"bias": float(sent.intercept_[0]), "scale": sent_scale, "weights": sent_blob},
        "pool": {
            "names": list(outcome_model.POOLED),
            "bias": round(float(stacker.intercept_[0]), 6),
            "weights": [round(float(w), 6) for w in stacker.coef_[0]],
        },
        "kinds": {
            "bits": KIND_BITS,
            "labels": [str(k) for k in kinds.classes_],
            "bias": [float(b) for b in kinds.intercept_],
            "scale": kind_scale,
            "weights": kind_blob,
        },
    }
    digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:12]
    return {"version": f"lr-{digest}", **model}


def train(data: Corpus) -> dict:
    """Choose C of both models by cross-validation on train+dev, then fit on both.

    Each (C, C of sentences) is scored by the F1 of its pooled scores out of fold, weighed
    by a stacker fitted on the other folds, at the threshold chosen on them.
    """
    import numpy as np

    idx = np.arange(len(data.rows))
    scored = scored_rows(data, idx)
    docs = {c: doc_out_of_fold(data, idx, c) for c in C_GRID}
    best = None
    for c_sent in C_SENTENCE_GRID:
        z_sent = sentences_out_of_fold(data, idx, c_sent)
        for c in C_GRID:
            f1 = stacked_f1(data, pool_of(data, idx, docs[c], z_sent), scored)
            print(f"  C={c} C_sentence={c_sent}: cross-validated F1 {f1:.4f}", flush=True)
            if best is None or f1 > best[0]:
                best = (f1, c, c_sent)
    _, c, c_sent = best
    return fit(data, idx, c, c_sent)


def stacked_f1(data: Corpus, pool, scored: list[int]) -> float:
    """F1 of pooled scores out of fold, each fold weighed by a stacker fitted on the
    others at the threshold chosen on the others."""
    import numpy as np

    verdicts = np.zeros(len(pool), dtype=bool)
    scored_mask = np.zeros(len(pool), dtype=bool)
    scored_mask[scored] = True
    for k in range(FOLDS):
        held = data.folds == k
        stacker = fit_stacker(pool[~held], data.y[~held])
        rest = np.flatnonzero(~held & scored_mask)
        probs = stacker.predict_proba(pool[rest])[:, 1]
        t = choose_threshold([data.rows[i]["label"] for i in rest], [float(p) for p in probs])
        verdicts[held] = stacker.predict_proba(pool[held])[:, 1] >= t
    rows = [data.rows[i] for i in scored]
    said = ["failure" if verdicts[i] else "success" for i in scored]
    return scores(rows, said)["f1"]


def cross_judged(data: Corpus, dev: list[dict], chosen: dict) -> tuple[list, float]:
    """Dev verdicts, each by a model fitted (with the chosen Cs; its stacker and threshold
    chosen within) on the train+dev folds that do not hold that report; and the seconds
    spent judging."""
    import numpy as np

    verdicts: list = [None] * len(dev)
    seconds = 0.0
    for k in range(FOLDS):
        idx = np.flatnonzero(data.folds != k)
        model = outcome_model.Model(fit(data, idx, chosen["c"], chosen["c_sentence"]))
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
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="measure dev only and print its mistakes (for iterating: test stays unseen)",
    )
    args = parser.parse_args()
    splits = load()
    print(f"corpus: {', '.join(f'{k} {len(v)}' for k, v in splits.items())}")
    corpus = Corpus(splits["train"] + splits["dev"])
    data = train(corpus)
    model = outcome_model.Model(data)
    results = {}
    for name in ("dev",) if args.dev_only else ("dev", "test"):
        rows = splits[name]
        verdicts, seconds = (
            cross_judged(corpus, rows, data) if name == "dev" else judge(rows, model)
        )
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
        if args.dev_only:
            show_mistakes(rows, verdicts, args.mistakes)
            return
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
    print("\ntest", end=" ")
    show_mistakes(splits["test"], verdicts, args.mistakes)


def show_mistakes(rows: list[dict], verdicts: list, limit: int) -> None:
    """The reports judged failure that are not, and the failures judged otherwise."""
    wrong = [
        (r, v)
        for r, v in zip(rows, verdicts, strict=True)
        if (v.outcome == "failure") != (r["label"] == "failure")
    ]
    print(f"mistakes: {len(wrong)}")
    for r, v in wrong[:limit]:
        text = " ".join(r["text"].split())
        print(
            f"- label {r['label']}/{r['failure_kind']} -> {v.outcome}: {v.reason}\n"
            f"  [{r['source']}, {r['note']}] {text[:300]}"
        )


if __name__ == "__main__":
    main()

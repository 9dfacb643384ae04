"""Build tests/outcomes/corpus.jsonl: the labelled corpus of subagent final reports.

Sources, each line tagged in ``source``:
- ``written``: reports written one by one for this project (written.jsonl here, and any
  JSONL files given on the command line), validated and deduplicated;
- ``real``: final reports from public Claude Code transcripts (real.jsonl here);
- ``legacy``: the 73 labelled reports the old text rules were tested with (legacy.jsonl);
- ``composed``: reports assembled from the hand-written sentence pools in pools.py;
- ``train_only``: reports written after the split was fixed (train_only.jsonl here),
  always in train, so adding them never changes what dev and test measure.

The split is fixed: a written or real report goes to train/dev/test by a hash of its
text under a fixed seed (adding reports never moves old ones); a composed report is
made only of even-indexed pool sentences (train/dev) or only of odd-indexed ones
(test), so the test split shares no sentence with training.

    python tests/outcomes/build.py [more-written.jsonl ...]
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import pools

HERE = Path(__file__).parent
SEED = "agent-runs-outcome-corpus-1"
LABELS = ("success", "failure")
KINDS = ("needs_input", "blocked", "incomplete", "unable", "tool_error", "wrong_target")
TASK_KINDS = (
    "explore",
    "code_review",
    "refactor",
    "migration",
    "debug",
    "write_tests",
    "docs",
    "security_audit",
    "research",
    "data_cleaning",
    "ops_deploy",
    "dependency_upgrade",
    "performance",
    "bug_fix",
    "feature",
    "ci_pipeline",
    "schema_design",
    "api_integration",
    "frontend_ui",
    "accessibility",
    "localization",
    "log_analysis",
    "incident_triage",
    "infra_terraform",
    "release_notes",
    "benchmarking",
    "code_search",
    "type_annotations",
)
COMPOSED = {"traindev": 700, "test": 260}


def split_of(text: str) -> str:
    """train (70%), dev (15%) or test (15%), from the text's hash under the fixed seed."""
    h = int(hashlib.sha256((SEED + text).encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else "dev" if h < 85 else "test"


def valid(row: object) -> str | None:
    """Why a corpus line is unusable, or None."""
    if not isinstance(row, dict):
        return "not an object"
    if not isinstance(row.get("text"), str) or not row["text"].strip():
        return "no text"
    if row.get("label") not in LABELS:
        return f"label {row.get('label')!r}"
    kind = row.get("failure_kind")
    if row["label"] == "failure" and kind not in KINDS:
        return f"failure_kind {kind!r}"
    if row["label"] == "success" and kind is not None:
        return "success with a failure_kind"
    return None


def read_rows(path: Path, source: str) -> tuple[list[dict], int]:
    rows, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if valid(row):
            bad += 1
            continue
        rows.append(
            {
                "text": row["text"],
                "label": row["label"],
                "failure_kind": row.get("failure_kind"),
                "note": str(row.get("note") or ""),
                "task_kind": str(row.get("task_kind") or ""),
                "source": source,
            }
        )
    return rows, bad


class Composer:
    """Reports from one half of every pool (half 0: train/dev, half 1: test)."""

    def __init__(self, half: int, rng: random.Random) -> None:
        self.rng = rng
        self.pools = {
            name: getattr(pools, name)[half::2]
            for name in (
                "OPENERS",
                "MIDDLES",
                "SUCCESS_PLAIN",
                "SUCCESS_ERRORISH",
                "FINDINGS",
                "TRACEBACKS",
            )
        }
        self.failure = {k: v[half::2] for k, v in pools.FAILURE.items()}

    def fill(self, sentence: str) -> str:
        r = self.rng
        files = r.sample(pools.FILES, 2)
        return sentence.format(
            f=files[0],
            f2=files[1],
            fn=r.choice(pools.FUNCS),
            cmd=r.choice(pools.CMDS),
            svc=r.choice(pools.SERVICES),
            pkg=r.choice(pools.PKGS),
            n=r.randint(2, 40),
            m=r.randint(3, 900),
        )

    def pick(self, pool: str, k: int = 1) -> list[str]:
        items = self.pools[pool]
        return [self.fill(s) for s in self.rng.sample(items, min(k, len(items)))]

    def closing(self, label: str, kind: str | None) -> list[str]:
        if label == "failure":
            return [
                self.fill(s)
                for s in self.rng.sample(self.failure[kind], self.rng.choice((1, 1, 2)))
            ]
        pool = "SUCCESS_ERRORISH" if self.rng.random() < 0.45 else "SUCCESS_PLAIN"
        return self.pick(pool)

    def report(self, label: str, kind: str | None) -> tuple[str, str]:
        r = self.rng
        if label == "failure" and kind == "tool_error" and r.random() < 0.3:
            dump = self.pick("TRACEBACKS")[0]
            if r.random() < 0.5:
                return dump, "a tool error dump as the whole answer"
            return f"{self.pick('OPENERS')[0]}\n\n```\n{dump}\n```", "quoted error as the answer"
        shape = r.choices(("line", "para", "markdown", "long"), (15, 40, 30, 15))[0]
        end = self.closing(label, kind)
        if shape == "line":
            return end[0], "one line"
        if shape == "para":
            body = self.pick("OPENERS") + self.pick("MIDDLES", r.randint(0, 3)) + end
            if r.random() < 0.2:
                body = end[:1] + body[:-1]  # verdict first
            return " ".join(body), "paragraph"
        heading = r.choice(
            ("## Summary", "### Findings", "**Report**", "## What I did", "# Result")
        )
        bullets = self.pick("MIDDLES", r.randint(2, 6))
        if label == "success" and r.random() < 0.4:
            bullets = self.pick("FINDINGS", r.randint(2, 5))
        parts = [heading, "", self.pick("OPENERS")[0], ""]
        parts += [f"- {b}" for b in bullets]
        if r.random() < 0.5:
            parts += ["", "```", f"$ {r.choice(pools.CMDS)}", *self.pick("MIDDLES", 2), "```"]
        if shape == "long":
            for _ in range(r.randint(3, 8)):
                parts += [
                    "",
                    r.choice(("### Details", "### Notes", "#### Files", "### Context")),
                    "",
                ]
                parts += [
                    f"{i}. {s}" for i, s in enumerate(self.pick("MIDDLES", r.randint(3, 6)), 1)
                ]
                parts += ["", " ".join(self.pick("MIDDLES", r.randint(2, 4)))]
        parts += ["", r.choice(("## Outcome", "**Status**", "### Result", "---", "")), ""]
        parts += end
        return "\n".join(parts).strip(), f"{shape} markdown"


def compose(half: int, count: int) -> list[dict]:
    rng = random.Random(f"{SEED}-{half}")
    composer = Composer(half, rng)
    rows = []
    for i in range(count):
        label = "failure" if i % 2 else "success"
        kind = KINDS[(i // 2) % len(KINDS)] if label == "failure" else None
        text, shape = composer.report(label, kind)
        split = "test" if half else ("dev" if rng.random() < 0.18 else "train")
        rows.append(
            {
                "text": text,
                "label": label,
                "failure_kind": kind,
                "note": f"composed from pool half {half}: {shape}",
                "task_kind": rng.choice(TASK_KINDS),
                "source": "composed",
                "split": split,
            }
        )
    return rows


def main(paths: list[str]) -> None:
    rows: list[dict] = []
    bad = 0
    named = {"real.jsonl": "real", "legacy.jsonl": "legacy"}
    for path in [
        HERE / "real.jsonl",
        HERE / "legacy.jsonl",
        HERE / "written.jsonl",
        *map(Path, paths),
    ]:
        got, skipped = read_rows(path, named.get(path.name, "written"))
        rows += got
        bad += skipped
    for row in rows:
        row["split"] = split_of(row["text"])
    late, skipped = read_rows(HERE / "train_only.jsonl", "train_only")
    bad += skipped
    rows += [{**row, "split": "train"} for row in late]
    rows += compose(0, COMPOSED["traindev"]) + compose(1, COMPOSED["test"])
    seen, out = set(), []
    for row in rows:
        key = " ".join(row["text"].lower().split())
        if key not in seen:
            seen.add(key)
            out.append(row)
    with open(HERE / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(out)} reports ({len(rows) - len(out)} duplicates, {bad} invalid lines skipped)")


if __name__ == "__main__":
    main(sys.argv[1:])

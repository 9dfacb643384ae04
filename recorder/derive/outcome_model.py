"""The text half of the outcome classifier: a linear model over hashed n-grams.

Standard library only (it may run in the hook process). The features are made
here and nowhere else, so training (benchmarks/outcome.py, with scikit-learn) and
judging (this module, pure Python) see exactly the same numbers. The weights ship
in ``outcome_model.json`` beside this file: a logistic regression for
failure-versus-success and a multinomial one for the kind of failure, both
quantised to 16-bit integers and zlib-compressed.

Features of a report, each hashed with CRC-32 into ``2**bits`` buckets:
- word 1-, 2- and 3-grams of the whole text (``w:``), and again of its opening
  (``h:``) and its closing (``t:``), where a verdict is usually written;
- character 3- to 5-grams of the closing words (``c:``), for spelling variants;
- cue groups (``~unable``, ``~not-done``...: see ``CUES``), counted inside the
  whole-text, closing and last-sentence families so they weigh like one more word;
- the words in a negation's scope, marked (``n:!tested`` in "not tested yet");
- the report's shape (``s:``): no first person in its opening (a pasted tool output
  rather than a report), and the share of its lines that look like log or error output;
- its length in words, as a power-of-two bucket (``z:``);
- word 2-grams of its last paragraph (``p:``), the closing summary however long.
Values are log(1 + count), and every family is scaled to unit length.
"""

from __future__ import annotations

import math
import re
import zlib
from array import array
from collections import Counter
from pathlib import Path

HEAD_CHARS = 300
TAIL_CHARS = 500
KEEP_HEAD = 3000
KEEP_TAIL = 6000
MODEL_PATH = Path(__file__).with_name("outcome_model.json")

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[!?]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def words(text: str) -> list[str]:
    """Lower-case word tokens (numbers collapse to one token)."""
    tokens = _WORD.findall(text.lower().translate(_APOSTROPHES))
    return ["0" if t[0].isdigit() else t for t in tokens]


def _ngrams(tokens: list[str], tag: str, out: Counter[str]) -> None:
    out.update([tag + t for t in tokens])
    out.update([f"{tag}{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)])
    out.update(
        [f"{tag}{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)]
    )


def _cue(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Cue groups: words that carry a verdict whatever sentence they are in, so the model
# can generalise past the exact phrases of its training reports. A cue preceded by a
# negation within three words counts as its negated group ("no issues", "not done").
CUES: dict[str, frozenset[str]] = {
    "ask": _cue(
        "? should shall which confirm clarify clarification decide decision prefer "
        "want wants let know advise approve approval go-ahead guidance"
    ),
    "block": _cue(
        "access denied permission permissions credentials credential token unauthorized "
        "forbidden vpn login password blocked network offline unreachable refused "
        "expired missing install installed sandbox read-only readonly locked quota "
        "limit limited"
    ),
    "partial": _cue(
        "still remaining remains remain partial partially halfway part todo todos "
        "yet pending unfinished incomplete stubbed left rest outstanding only "
        "next"
    ),
    "unable": _cue(
        "couldn't can't cannot unable gave give giving stuck reverted revert rolled "
        "undid undone luck idea inconclusive unclear unknown persists impossible "
        "couldnt cant won't wasn't didn't"
    ),
    "wrong": _cue(
        "wrong instead mistake mistakenly accidentally mistook misread stale "
        "deprecated legacy old previous vendored generated"
    ),
    "error": _cue(
        "error errors errored exception traceback crash crashed crashes panic "
        "panicked timeout timed killed segfault fatal failed failure fail failing "
        "broken broke bug"
    ),
    "done": _cue(
        "done complete completed finished pass passes passing passed green works "
        "working added implemented fixed resolved verified ready merged updated "
        "created wrote clean succeeded success"
    ),
}
_FILLER = _cue(
    "0 a an the and or but of in on at to for from by with as is are was were be been it "
    "its this that these those i we you he she they my our your me us so then than there "
    "here if into out up per via also just all any some each"
)
_NEGATIONS = _cue("not no never without nothing none isn't aren't wasn't n't")


# word -> the cue groups holding it, in the order of CUES
_CUE_GROUPS: dict[str, list[str]] = {}
for _group, _cue_words in CUES.items():
    for _word in _cue_words:
        _CUE_GROUPS.setdefault(_word, []).append(_group)


def _cues(tokens: list[str], tag: str, out: Counter[str]) -> None:
    for i, token in enumerate(tokens):
        groups = _CUE_GROUPS.get(token)
        if groups:
            negated = any(t in _NEGATIONS for t in tokens[max(0, i - 3) : i])
            out.update([f"{tag}{'not-' if negated else ''}{group}" for group in groups])


# A negation's scope: the next few words, up to a question or exclamation mark.
_NEGATORS = _NEGATIONS | _cue(
    "didn't couldn't can't cannot won't don't doesn't haven't hasn't unable weren't"
)
NEGATION_SCOPE = 4
_PERSON = _cue("i i'm i've i'll i'd we we've we're my me our")
_LOG_LINE = re.compile(
    r"\s*(?:\[|at |#\d|\d\d:|E |error|fatal|warning|traceback|panic|  File|\$ |>|\u2502|"
    r"=+|_+|-{3,})",
    re.I,
)


def _negated(tokens: list[str], out: Counter[str]) -> None:
    left = 0
    for token in tokens:
        if token in _NEGATORS:
            left = NEGATION_SCOPE
        elif token in ("?", "!"):
            left = 0
        elif left:
            out[f"n:!{token}"] += 1
            left -= 1


def _shape(text: str, tokens: list[str], out: Counter[str]) -> None:
    if not _PERSON.intersection(tokens[:200]):
        out["s:no-person"] = 1.0
    lines = [line for line in text.splitlines() if line.strip()]
    logged = sum(1 for line in lines if _LOG_LINE.match(line))
    out[f"s:log-lines-{min(4, 5 * logged // max(1, len(lines)))}"] = 1.0


_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


def _last_sentences(text: str, count: int = 2) -> str:
    """The report's last ``count`` sentences, where the verdict usually is."""
    parts = [p for p in _SENTENCE_END.split(text[-1500:].strip()) if len(p) > 3]
    return " ".join(parts[-count:])


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
LENGTH_BUCKETS = 7


def _last_paragraph(text: str) -> str:
    """The last paragraph of more than a few characters (the closing summary)."""
    paras = [p for p in _PARAGRAPH_BREAK.split(text[-3000:].strip()) if len(p.strip()) > 20]
    return paras[-1] if paras else ""


def named_features(text: str) -> dict[str, float]:
    """Feature name -> log(1 + count), before hashing.

    A report longer than ``KEEP_HEAD + KEEP_TAIL`` characters is read from its
    opening and its closing only, so judging costs the same for any size.
    """
    if len(text) > KEEP_HEAD + KEEP_TAIL:
        text = f"{text[:KEEP_HEAD]}\n{text[-KEEP_TAIL:]}"
    out: Counter[str] = Counter()
    every = words(text)
    _ngrams(every, "w:", out)
    _cues(every, "w:~", out)
    _negated(every, out)
    _shape(text, every, out)
    out[f"z:len-{min(LENGTH_BUCKETS, len(every).bit_length())}"] = 1.0
    closing = words(_last_paragraph(text))
    out.update([f"p:{first} {second}" for first, second in zip(closing, closing[1:], strict=False)])
    _ngrams(words(text[:HEAD_CHARS]), "h:", out)
    tail = words(text[-TAIL_CHARS:])
    _ngrams(tail, "t:", out)
    _cues(tail, "t:~", out)
    last = words(_last_sentences(text))
    _ngrams(last, "l:", out)
    _cues(last, "l:~", out)
    for word in tail:
        padded = f" {word} "
        out.update(
            [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
        )
    return {k: math.log1p(v) for k, v in out.items()}


def bucket(name: str, bits: int) -> int:
    """The hashed index of a feature name."""
    return zlib.crc32(name.encode("utf-8")) & ((1 << bits) - 1)


def buckets(features: dict[str, float], bits: int) -> dict[str, int]:
    """Each feature's hashed index (:func:`bucket`), computed once per judgement."""
    mask = (1 << bits) - 1
    crc32 = zlib.crc32
    return {name: crc32(name.encode("utf-8")) & mask for name in features}


def bucketed(features: dict[str, float], where: dict[str, int]) -> dict[int, float]:
    """Hashed features: bucket (from ``where``) -> summed value."""
    vec: dict[int, float] = {}
    for name, value in features.items():
        b = where[name]
        vec[b] = vec.get(b, 0.0) + value
    return vec


def norms(features: dict[str, float]) -> dict[str, float]:
    """Each feature family's (name prefix's) Euclidean length."""
    sums: dict[str, float] = {}
    for name, value in features.items():
        family = name[: name.index(":")]
        sums[family] = sums.get(family, 0.0) + value * value
    return {family: math.sqrt(total) for family, total in sums.items()}


def scaled(features: dict[str, float]) -> dict[str, float]:
    """Features with every family scaled to unit length, so no family drowns another."""
    lengths = norms(features)
    return {name: value / lengths[name[: name.index(":")]] for name, value in features.items()}


def hashed(
    features: dict[str, float], bits: int, where: dict[str, int] | None = None
) -> dict[int, float]:
    """The hashed vector of the scaled features: bucket -> value (``where``: their
    :func:`buckets`, when the caller has them already)."""
    return bucketed(scaled(features), where or buckets(features, bits))


def fold(vec: dict[int, float], bits: int) -> dict[int, float]:
    """A hashed vector folded into ``2**bits`` buckets (its buckets' low bits)."""
    mask = (1 << bits) - 1
    out: dict[int, float] = {}
    for b, v in vec.items():
        out[b & mask] = out.get(b & mask, 0.0) + v
    return out


def pack(weights: list[float]) -> tuple[float, str]:
    """Weights as (scale, base64 of zlib'd little-endian int16s); used by training."""
    import base64

    scale = max((abs(w) for w in weights), default=0.0) / 32767 or 1.0
    ints = array("h", (round(w / scale) for w in weights))
    if ints.itemsize != 2:
        raise RuntimeError("int16 array of unexpected size")
    if array("H", [1]).tobytes() != b"\x01\x00":
        ints.byteswap()
    return scale, base64.b64encode(zlib.compress(ints.tobytes(), 9)).decode("ascii")


def unpack(blob: str) -> array:
    """The int16 weights of :func:`pack` (multiply by its scale)."""
    import base64

    ints = array("h")
    ints.frombytes(zlib.decompress(base64.b64decode(blob)))
    if array("H", [1]).tobytes() != b"\x01\x00":
        ints.byteswap()
    return ints


_PHRASE_FAMILIES = frozenset(("w:", "h:", "t:", "l:", "p:"))  # word n-grams a person reads


class Model:
    """The shipped weights, and the judgement of one text."""

    def __init__(self, data: dict) -> None:
        self.version: str = data["version"]
        self.bits: int = data["bits"]
        self.threshold: float = data["threshold"]
        self.unknown_below: float = data["unknown_below"]
        self.bias: float = data["failure"]["bias"]
        self.scale: float = data["failure"]["scale"]
        self.weights = unpack(data["failure"]["weights"])
        kinds = data["kinds"]
        self.kind_bits: int = kinds["bits"]
        self.kind_labels: list[str] = kinds["labels"]
        self.kind_bias: list[float] = kinds["bias"]
        self.kind_scale: float = kinds["scale"]
        self.kind_weights = unpack(kinds["weights"])
        self.benchmark: dict = data.get("benchmark", {})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        import json

        return cls(json.loads(path.read_text(encoding="utf-8")))

    def probability(self, vec: dict[int, float]) -> float:
        """P(failure) for a hashed feature vector."""
        w = self.weights
        z = self.bias + self.scale * sum(w[b] * v for b, v in vec.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def kind(self, vec: dict[int, float]) -> str:
        """The most likely failure_kind of a report judged a failure."""
        w, size = self.kind_weights, 1 << self.kind_bits
        vec = fold(vec, self.kind_bits)
        scores = [
            bias + self.kind_scale * sum(w[k * size + b] * v for b, v in vec.items())
            for k, bias in enumerate(self.kind_bias)
        ]
        return self.kind_labels[max(range(len(scores)), key=scores.__getitem__)]

    def phrases(
        self,
        features: dict[str, float],
        where: dict[str, int],
        toward_failure: bool,
        limit: int = 3,
    ) -> list[str]:
        """The word n-grams that pushed the verdict hardest, most decisive first
        (``where``: the features' :func:`buckets`)."""
        sign = self.scale if toward_failure else -self.scale
        weights = self.weights
        scored: dict[str, float] = {}
        for name, value in features.items():
            if name[:2] not in _PHRASE_FAMILIES or name[2:3] == "~":
                continue
            push = sign * weights[where[name]] * value
            phrase = name[2:]
            if push <= scored.get(phrase, 0.0):
                continue
            if all(word in _FILLER for word in phrase.split()):
                continue
            scored[phrase] = push
        chosen: list[str] = []
        for phrase in sorted(scored, key=lambda p: (-scored[p], p)):
            if any(phrase in c or c in phrase for c in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == limit:
                break
        return chosen


_model: Model | None = None


def model() -> Model:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        _model = Model.load()
    return _model

"""The text half of the outcome classifier: linear models over hashed n-grams.

Standard library only (it may run in the hook process). The features are made
here and nowhere else, so training (benchmarks/outcome.py, with scikit-learn) and
judging (this module, pure Python) see exactly the same numbers. The weights ship
in ``outcome_model.json`` beside this file: a logistic regression for
failure-versus-success of the whole report, a second one that scores each of its
sentences on its own, a handful of weights that combine the report's score with
its sentences' highest (``pooled``: one sentence that admits a failure inside a
long, otherwise normal report is not diluted by the rest), and a multinomial
regression for the kind of failure (of the ``KIND_FAMILIES`` only); the large weights
quantised to 16-bit integers and zlib-compressed.

Features of a report, each hashed with CRC-32 into ``2**bits`` buckets:
- word 1- and 2-grams of the whole text (``w:``), and again of its opening
  (``h:``) and its closing (``t:``), where a verdict is usually written (3-grams
  cost a third more features and judged no better);
- character 4-grams of the closing words (``c:``), for spelling variants;
- cue groups (``~unable``, ``~not-done``...: see ``CUES``), counted inside the
  whole-text, closing and last-sentence families so they weigh like one more word;
- the words in a negation's scope, marked (``n:!tested`` in "not tested yet");
- the report's shape (``s:``): no first person in its opening (a pasted tool output
  rather than a report), and the share of its lines that look like log or error output;
- its length in words, as a power-of-two bucket (``z:``);
- word 2-grams of its last paragraph (``p:``), the closing summary however long.
Values are log(1 + count), and every family is scaled to unit length.

Each sentence (or line) of three words or more is also read on its own (``e:``): its
word 1- and 2-grams, cue groups, negation scope, and whether it opens the report or is
one of its closing sentences; scaled to unit length per sentence.
"""

from __future__ import annotations

import bisect
import heapq
import math
import operator
import re
import zlib
from array import array
from collections import Counter
from collections.abc import Callable
from itertools import chain, repeat
from pathlib import Path

HEAD_CHARS = 300
TAIL_CHARS = 500
KEEP_HEAD = 3000
KEEP_TAIL = 6000
MODEL_PATH = Path(__file__).with_name("outcome_model.json")

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[0-9]+|[!?\u274c\u2705\u26a0]")
_NUMBER = re.compile(r"\d+")
# "5 of the 9", "3 out of 12": a part of the whole, when the first is the smaller
_FRACTION = re.compile(r"\b(\d+) (?:out )?of (?:the |all )?(\d+)\b")
PART_OF = "partof"  # the token that follows such a fraction


def _part_of(match: re.Match) -> str:
    whole = match.group(0)
    return f"{whole} {PART_OF}" if int(match.group(1)) < int(match.group(2)) else whole


def words(text: str) -> list[str]:
    """Lower-case word tokens (numbers collapse to one token; typographic apostrophes
    are plain ones; a fraction of a whole, "5 of the 9", is followed by ``PART_OF``;
    the marks \u274c, \u2705 and \u26a0 are words of their own)."""
    plain = text.lower().replace("\u2019", "'").replace("\u2018", "'")  # translate is slower
    if " of " in plain:
        plain = _FRACTION.sub(_part_of, plain)
    return _WORD.findall(_NUMBER.sub("0", plain))


class Family:
    """One family's features as they are counted: the CRC-32 of each name, in order of
    appearance, and what names them again when a reason quotes them.

    A word n-gram's CRC-32 is the running CRC-32 of its words (the CRC-32 of "w:a b" is
    that of " b" continued from the CRC-32 of "w:a"), so no name is built unless quoted.
    """

    __slots__ = ("hashes", "_parts", "_first", "_keys")

    def __init__(self) -> None:
        self.hashes: list[int] = []
        self._parts: list[tuple[int, Callable[[int], str]]] = []  # (first index, namer)
        self._first: dict[int, int] | None = None
        self._keys: list[int] = []

    def ngrams(self, tokens: list[str], tag: str, lowest: int = 1) -> None:
        """Word ``lowest``- to 2-grams, each named ``tag`` + its words joined by spaces."""
        grams = _gram_hashes(tokens, tag)[lowest - 1 :]
        self._parts.append((len(self.hashes), _Grams(tokens, tag, lowest, grams)))
        for found in grams:
            self.hashes += found

    def named(self, names: list[str]) -> None:
        """Features given by their names."""
        if names:
            self._parts.append((len(self.hashes), names.__getitem__))
            self.hashes += map(zlib.crc32, map(str.encode, names))

    def scaled(self, mask: int) -> tuple[list[int], list[float], list[int], float]:
        """The family's distinct features (their CRC-32s), log(1 + count) values, buckets
        (the CRC-32s masked) and Euclidean length."""
        counts = Counter(self.hashes)
        keys = list(counts)
        values = list(map(math.log1p, counts.values()))
        where = list(map(mask.__and__, keys))
        return keys, values, where, math.sqrt(sum(map(operator.mul, values, values)))

    def name(self, key: int) -> str:
        """The name of the distinct feature ``key`` (its index in ``scaled``'s CRC-32s,
        which are in order of first appearance)."""
        if self._first is None:  # where each feature was first counted
            hashes = self.hashes
            self._keys = list(dict.fromkeys(hashes))
            self._first = dict(zip(reversed(hashes), range(len(hashes) - 1, -1, -1), strict=True))
        at = self._first[self._keys[key]]
        start, namer = self._parts[bisect.bisect_right(self._parts, at, key=_START) - 1]
        return namer(at - start)


def _gram_hashes(tokens: list[str], tag: str) -> list[list[int]]:
    """The CRC-32s of the word 1-grams and of the 2-grams of ``tokens``, each named ``tag``
    + its words joined by spaces."""
    ones = list(map(zlib.crc32, map(str.encode, tokens), repeat(_seed(tag))))
    twos = list(map(zlib.crc32, map(str.encode, map(" ".__add__, tokens[1:])), ones))
    return [ones, twos]


_START = operator.itemgetter(0)
_SEEDS: dict[str, int] = {}


def _seed(tag: str) -> int:
    """The CRC-32 of a feature name's prefix, from which its words' running CRC-32 goes on."""
    seed = _SEEDS.get(tag)
    if seed is None:
        seed = _SEEDS[tag] = zlib.crc32(tag.encode())
    return seed


class _Grams:
    """The names of a run of word n-grams: all the ``lowest``-grams, then the next order's."""

    __slots__ = ("tokens", "tag", "lowest", "sizes")

    def __init__(self, tokens: list[str], tag: str, lowest: int, grams: list[list]) -> None:
        self.tokens, self.tag, self.lowest = tokens, tag, lowest
        self.sizes = [len(found) for found in grams]

    def __call__(self, at: int) -> str:
        n = self.lowest
        for size in self.sizes:
            if at < size:
                return self.tag + " ".join(self.tokens[at : at + n])
            at -= size
            n += 1
        raise IndexError(at)


def _cue(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Cue groups: words that carry a verdict whatever sentence they are in, so the model
# can generalise past the exact phrases of its training reports. A cue preceded by a
# negation within three words counts as its negated group ("no issues", "not done").
CUES: dict[str, frozenset[str]] = {
    "ask": _cue(
        "? should shall which confirm clarify clarification decide decision prefer "
        "want wants let know advise approve approval ahead guidance "
        "ok okay signoff preference choose pick option options whether "
        "waiting awaiting input"
    ),
    "block": _cue(
        "access denied permission permissions credentials credential token unauthorized "
        "forbidden vpn login password blocked network offline unreachable refused "
        "expired missing install installed sandbox read-only readonly locked quota "
        "limit limited 401 403 rbac role roles licence license provisioned enabled "
        "admin rights grant granted secret secrets key keys unavailable down"
    ),
    "partial": _cue(
        "still remaining remains remain partial partially halfway part todo todos "
        "yet pending unfinished incomplete stubbed left rest outstanding only "
        f"next {PART_OF} open draft wip placeholder placeholders skipped skip "
        "unverified untested half most some"
    ),
    "unable": _cue(
        "couldn't can't cannot unable gave give giving stuck reverted revert rolled "
        "undid undone luck idea inconclusive unclear unknown persists impossible "
        "couldnt cant won't wasn't didn't haven't hasn't stopped abandoned "
        "lead leads short failed nowhere"
    ),
    "wrong": _cue(
        "wrong instead mistake mistakenly accidentally mistook misread stale "
        "deprecated legacy old previous vendored generated realise realize realised "
        "realized noticed turns turned actually correction archived copy staging "
        "afterwards only"
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


def _cues(tokens: list[str], tag: str) -> list[str]:
    found: list[str] = []
    negated = tag + "not-"
    for i in [i for i, token in enumerate(tokens) if token in _CUE_GROUPS]:
        prefix = tag if _NEGATIONS.isdisjoint(tokens[max(0, i - 3) : i]) else negated
        found += [prefix + group for group in _CUE_GROUPS[tokens[i]]]
    return found


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


def _negated(
    tokens: list[str], prefix: str = "n:!", ends: tuple[str, ...] = ("?", "!")
) -> list[str]:
    """Each word within ``NEGATION_SCOPE`` after a negator (``prefix`` + word); a word of
    ``ends`` closes the scope."""
    found = []
    left = 0
    for token in tokens:
        if token in _NEGATORS:
            left = NEGATION_SCOPE
        elif token in ends:
            left = 0
        elif left:
            found.append(prefix + token)
            left -= 1
    return found


_ERROR_CUES = CUES["error"]
_FIRST_LINE_ERROR = re.compile(
    r"\W{0,4}(?:[\w.:/-]*(?:error|exception|fatal|panic|failed|failure|denied)\b|fail\b|err\b)",
    re.I,
)


def _shape(text: str, tokens: list[str]) -> list[str]:
    found = []
    if not _PERSON.intersection(tokens[:200]):
        found.append("s:no-person")
        if not _ERROR_CUES.isdisjoint(tokens):  # a pasted error output, not a report
            found.append("s:no-person-error")
    if _FIRST_LINE_ERROR.match(text):
        found.append("s:opens-with-error")
    lines = [line for line in text.splitlines() if line.strip()]
    logged = sum(1 for line in lines if _LOG_LINE.match(line))
    found.append(f"s:log-lines-{min(4, 5 * logged // max(1, len(lines)))}")
    return found


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


def counted_features(text: str, every: list[str] | None = None) -> dict[str, Family]:
    """Feature family (the name's prefix, ``w`` of ``w:done``) -> its features, counted.

    A report longer than ``KEEP_HEAD + KEEP_TAIL`` characters is read from its
    opening and its closing only, so judging costs the same for any size. ``every``:
    the words of the text so read, when the caller has them.
    """
    text = kept(text)
    family: dict[str, Family] = {tag: Family() for tag in "wnszphtlc"}
    if every is None:
        every = words(text)
    family["w"].ngrams(every, "w:")
    family["w"].named(_cues(every, "w:~"))
    family["n"].named(_negated(every))
    family["s"].named(_shape(text, every))
    family["z"].named([f"z:len-{min(LENGTH_BUCKETS, len(every).bit_length())}"])
    family["p"].ngrams(words(_last_paragraph(text)), "p:", lowest=2)
    family["h"].ngrams(words(text[:HEAD_CHARS]), "h:")
    tail = words(text[-TAIL_CHARS:])
    family["t"].ngrams(tail, "t:")
    family["t"].named(_cues(tail, "t:~"))
    last = words(_last_sentences(text))
    family["l"].ngrams(last, "l:")
    family["l"].named(_cues(last, "l:~"))
    family["c"].hashes = _char_grams(tail)
    return {tag: found for tag, found in family.items() if found.hashes}


def kept(text: str) -> str:
    """What of ``text`` the features are made from: all of it, or its opening and closing."""
    if len(text) > KEEP_HEAD + KEEP_TAIL:
        return f"{text[:KEEP_HEAD]}\n{text[-KEEP_TAIL:]}"
    return text


# word -> the CRC-32s of its character 4-grams: words recur from report to report,
# so each is cut and hashed once per process (at most CACHED_WORDS kept).
_GRAMS: dict[str, list[int]] = {}
CACHED_WORDS = 50_000


def _char_grams(tokens: list[str]) -> list[int]:
    """The ``c:`` features of ``tokens``, hashed: each word's character 4-grams, padded
    with a space each side (the feature ``c: wor`` of "word"), as their CRC-32s."""
    found: list[int] = []
    for token in tokens:
        grams = _GRAMS.get(token)
        if grams is None:
            if len(_GRAMS) >= CACHED_WORDS:
                _GRAMS.clear()
            padded = f" {token} "
            grams = _GRAMS[token] = [
                zlib.crc32(f"c:{padded[i : i + 4]}".encode()) for i in range(len(padded) - 3)
            ]
        found += grams
    return found


Terms = list[tuple[list[int], list[float], float]]


# A report's sentences (and lines: a bullet, a heading, a log line each count as one).
_CLAUSE = re.compile(r"(?<=[.!?;])\s+|\n+")
SENTENCE_WORDS = 3  # a sentence of fewer words is not scored on its own
SENTENCE_CAP = 60  # words of a sentence read (a long one is cut, not skipped)


def sentences(text: str) -> list[list[str]]:
    """The words of each sentence of ``text`` with enough words to judge."""
    found = []
    for part in _CLAUSE.split(text):
        said = words(part)
        if len(said) >= SENTENCE_WORDS:
            found.append(said[:SENTENCE_CAP])
    return found


CLOSING_SENTENCES = 3  # the last sentences of a report, where a verdict usually is


def _place(i: int, count: int) -> str:
    """Where the sentence ``i`` of ``count`` is, as a feature (none in the middle)."""
    return "e:@first" if i == 0 else "e:@end" if i >= count - CLOSING_SENTENCES else ""


def sentence_features(tokens: list[str], where: str = "") -> Family:
    """The ``e:`` features of one sentence: its word 1- and 2-grams, cue groups and the
    words in a negation's scope (``e:!tested``); and, for the first sentence or one of
    the closing ones (``where``: ``e:@first`` or ``e:@end``), that place, alone and with
    each cue group (``e:@end~unable``)."""
    found = Family()
    found.ngrams(tokens, "e:")
    found.named(_sentence_named(tokens, where))
    return found


def _sentence_named(tokens: list[str], where: str) -> list[str]:
    """A sentence's features other than its n-grams, by name."""
    named = _cues(tokens, "e:~")
    if where:
        named += [where, *_cues(tokens, where + "~")]
    return named + _negated(tokens, "e:!", ends=())


def _sentence_hashes(found: list[list[str]]) -> list[list[int]]:
    """The CRC-32s of each sentence's features, as :func:`sentence_features` counts them
    (the n-grams of all sentences hashed together, then each sentence's cut out)."""
    ones, twos = _gram_hashes(list(chain.from_iterable(found)), "e:")
    hashed = []
    start = 0
    for i, said in enumerate(found):
        end = start + len(said)  # at least SENTENCE_WORDS: every order has one
        hashes = ones[start:end] + twos[start : end - 1]
        named = _sentence_named(said, _place(i, len(found)))
        hashes += map(zlib.crc32, map(str.encode, named))
        hashed.append(hashes)
        start = end
    return hashed


Scaled = tuple[list[int], list[float], list[int], float]


class Features:
    """A report's features, family by family: their CRC-32s, log(1 + count) values,
    buckets (the CRC-32s masked to ``2**bits``) and the family's Euclidean length, by which
    its values are divided so no family drowns another; and the same of each of its
    sentences (``e:`` features, one family each), which a second model scores one by one.
    ``named`` and ``sentence_named`` name the features again (``Family.name``)."""

    __slots__ = ("families", "named", "said", "sentences", "words")

    def __init__(self, text: str, bits: int) -> None:
        mask = (1 << bits) - 1
        text = kept(text)
        every = words(text)
        self.words = len(every)  # of the text read (a long one's opening and closing)
        self.said = sentences(text)
        self.sentences: list[Scaled] = []
        log1p, masked, mul = math.log1p, mask.__and__, operator.mul
        for hashes in _sentence_hashes(self.said):
            counts = Counter(hashes)
            values = list(map(log1p, counts.values()))
            length = math.sqrt(sum(map(mul, values, values)))
            self.sentences.append((list(counts), values, list(map(masked, counts)), length))
        self.named = counted_features(text, every)
        self.families: dict[str, Scaled] = {
            tag: family.scaled(mask) for tag, family in self.named.items()
        }

    def sentence_named(self, i: int) -> Family:
        """The features of the sentence ``i``, to be named."""
        return sentence_features(self.said[i], _place(i, len(self.said)))

    def terms(self, bits: int | None = None, tags: str | None = None) -> Terms:
        """(buckets, values, length) of each family (of the ``tags`` only, if given), the
        buckets folded into ``2**bits``."""
        chosen = [found for tag, found in self.families.items() if tags is None or tag in tags]
        if bits is None:
            return [(where, values, n) for _, values, where, n in chosen]
        mask = (1 << bits) - 1
        return [(list(map(mask.__and__, where)), values, n) for _, values, where, n in chosen]

    def vector(self, tags: str | None = None) -> dict[int, float]:
        """The scaled features (of the families ``tags``, if given) as one hashed vector:
        bucket -> summed value (for training)."""
        return _vector(self.terms(tags=tags))

    def sentence_vectors(self) -> list[dict[int, float]]:
        """Each sentence's scaled features as a hashed vector (for training)."""
        return [_vector([(w, v, n)]) for _, v, w, n in self.sentences]


def _vector(terms: Terms) -> dict[int, float]:
    vec: dict[int, float] = {}
    for where, values, length in terms:
        for b, value in zip(where, values, strict=True):
            vec[b] = vec.get(b, 0.0) + value / length
    return vec


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


_PHRASE_FAMILIES = ("w", "h", "t", "l", "p")  # word n-grams a person reads
# the families the failure_kind model reads: the whole text's and the last sentences'
# (all of them are about three times as many features to score, for a few more kinds right)
KIND_FAMILIES = "wnszl"


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
        size = 1 << self.kind_bits
        weights = unpack(kinds["weights"])
        self.per_kind = [weights[k * size : (k + 1) * size] for k in range(len(self.kind_bias))]
        self.benchmark: dict = data.get("benchmark", {})
        sentence = data["sentence"]
        self.sentence_bias: float = sentence["bias"]
        self.sentence_scale: float = sentence["scale"]
        self.sentence_weights = unpack(sentence["weights"])
        self.pool_bias: float = data["pool"]["bias"]
        self.pool_weights: list[float] = data["pool"]["weights"]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        import json

        return cls(json.loads(path.read_text(encoding="utf-8")))

    def probability(self, features: Features) -> float:
        """P(failure) of a report's features."""
        return self.judge(features)[0]

    def judge(self, features: Features) -> tuple[float, list[float]]:
        """P(failure) of a report's features, and the failure score of each sentence.

        The whole report's score and its sentences' highest scores (``pooled``) are
        weighed together, so one sentence that admits a failure inside a long, otherwise
        normal report counts for more than its share of the report's words.
        """
        doc = self.bias + self.scale * _dots([self.weights], features.terms())[0]
        said = self.sentence_scores(features)
        z = self.pool_bias + sum(map(operator.mul, self.pool_weights, pooled(doc, said)))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z)))), said

    def sentence_scores(self, features: Features) -> list[float]:
        """The sentence model's failure score (log-odds) of each sentence of a report."""
        weights, bias, scale = self.sentence_weights, self.sentence_bias, self.sentence_scale
        return [
            bias + scale * sum(map(operator.mul, _gatherer(where)(weights), values)) / length
            for _, values, where, length in features.sentences
        ]

    def kind(self, features: Features) -> str:
        """The most likely failure_kind of a report judged a failure."""
        dots = _dots(self.per_kind, features.terms(self.kind_bits, KIND_FAMILIES))
        scores = [
            bias + self.kind_scale * dot for bias, dot in zip(self.kind_bias, dots, strict=True)
        ]
        return self.kind_labels[max(range(len(scores)), key=scores.__getitem__)]

    def phrases(
        self,
        features: Features,
        toward_failure: bool,
        limit: int = 3,
        sentence: int | None = None,
    ) -> list[str]:
        """The word n-grams that pushed the verdict hardest, most decisive first: of the
        whole report, and of its sentence ``sentence`` (by its index), each push weighed
        as the final score weighs the report's score and its top sentence's."""
        sign = -1.0 if toward_failure else 1.0  # the push, negated
        pushes: list[float] = []  # of every feature, negated, family after family
        sources: list[tuple[int, Family]] = []  # (its first push, family)

        def rank(family: Family, scaled: Scaled, weights: array, factor: float) -> None:
            _, values, where, _ = scaled
            sources.append((len(pushes), family))
            pushes.extend(map(factor.__mul__, map(operator.mul, _gathered(weights, where), values)))

        factor = sign * self.scale * self.pool_weights[0]
        for tag in _PHRASE_FAMILIES:
            if tag in features.families:
                rank(features.named[tag], features.families[tag], self.weights, factor)
        if sentence is not None:
            scaled = features.sentences[sentence]
            factor = sign * self.sentence_scale * self.pool_weights[1] / scaled[3]
            rank(features.sentence_named(sentence), scaled, self.sentence_weights, factor)

        def phrase(at: int) -> str:
            first, family = sources[bisect.bisect_right(sources, at, key=_START) - 1]
            return family.name(at - first)[2:]  # "w:not done" -> "not done"

        ranked = sorted(range(len(pushes)), key=pushes.__getitem__)  # strongest first
        chosen: list[str] = []
        seen: set[str] = set()
        at = 0
        while at < len(ranked) and len(chosen) < limit and pushes[ranked[at]] < 0:
            push = pushes[ranked[at]]  # >= 0: the rest pushed the other way
            tied = []  # features of the same push: their phrases alphabetically
            while at < len(ranked) and pushes[ranked[at]] == push:
                tied.append(phrase(ranked[at]))
                at += 1
            for said in sorted(tied):
                if len(chosen) < limit and _quotable(said, seen, chosen):
                    chosen.append(said)
        return chosen


def _quotable(phrase: str, seen: set[str], chosen: list[str]) -> bool:
    """Whether a reason quotes ``phrase``, after the ``chosen`` ones (``seen``: phrases
    looked at before, to which it is added)."""
    if phrase in seen or phrase[0] in "~!@":  # a cue group, negation scope, place:
        return False  # not words of the report
    seen.add(phrase)
    if not _telling(phrase.split()):
        return False
    return not any(phrase in c or c in phrase for c in chosen)


POOLED = ("report", "top sentence", "second sentence", "soft maximum")


def pooled(doc: float, said: list[float]) -> list[float]:
    """What the final score weighs (``POOLED``): the whole report's score, its two highest
    sentence scores and their soft maximum (log of the mean of exp), from the report's
    score and its sentences' (none: the report's score stands in for them)."""
    if not said:
        return [doc, doc, doc, doc]
    top = heapq.nlargest(2, said)
    peak = top[0]
    soft = peak + math.log(sum(math.exp(max(-60.0, z - peak)) for z in said) / len(said))
    return [doc, peak, top[-1], soft]


def shown(phrase: str) -> str:
    """A phrase as a reason quotes it: every number is the token "0" (``words``), which
    would misquote "found 3" as "found 0"; it reads "found #"."""
    return " ".join("#" if word == "0" else word for word in phrase.split() if word != PART_OF)


def _telling(words: list[str]) -> bool:
    """Whether a phrase tells a person something: a lone word only when it is a cue or a
    negation ("fixed", "blocked", "?", "not"), more words when one of them is a word of
    three letters or more that is not filler (so not "py", "k", "now" or "of the")."""
    words = [word for word in words if word != PART_OF]  # a reason does not show it
    if len(words) == 1:
        return words[0] in _CUE_GROUPS or words[0] in _NEGATORS
    return any(len(word) > 2 and word not in _FILLER for word in words)


def _gatherer(where: list[int]) -> Callable[[array], tuple]:
    """A function taking an array's values at the indexes ``where`` (in C, not a loop)."""
    if len(where) == 1:
        (only,) = where
        return lambda weights: (weights[only],)
    return operator.itemgetter(*where) if where else lambda weights: ()


def _gathered(weights: array, where: list[int]) -> tuple:
    """``weights`` at the indexes ``where``."""
    return _gatherer(where)(weights)


def _dots(arrays: list[array], terms: Terms) -> list[float]:
    """The dot product of each weight array with a report's scaled features (each family's
    indexes gathered by one function for all the arrays)."""
    parts: list[list[float]] = [[] for _ in arrays]
    for where, values, length in terms:
        gather = _gatherer(where)
        for part, weights in zip(parts, arrays, strict=True):
            part.append(sum(map(operator.mul, gather(weights), values)) / length)
    return [sum(part) for part in parts]


_model: Model | None = None


def model() -> Model:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        _model = Model.load()
    return _model

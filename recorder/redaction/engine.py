"""Secret redaction for everything the recorder writes.

Runs in the hook process on every event, so it uses only the standard library
and ONE regular expression (compiled on first use), scanned once per string;
only a string that had a secret is scanned again to confirm nothing is left.

How the regex stays fast and safe:

* every top-level alternative starts with a literal "anchor" character, so
  the regex engine skips all other characters in a tight C loop.  Anchors are
  rare letters inside the thing to find (``z`` of ``Authorization``, ``J`` of
  ``eyJ``, ``k`` of ``token``); fixed-width lookbehinds check what precedes
  the anchor, and the known prefix of a token is added back to the redacted
  span (``_BACK``).
* the shared ``key = value`` tail is written once, behind a gate of
  conditional groups that only opens after a keyword alternative matched.
* no nested quantifiers over overlapping classes, repeated groups and name
  runs are bounded, so time is linear and memory flat (50 MB inputs are fine).
* a secret never includes a quote, and backslashes only as whole runs with
  the character they escape (``\\n``), never the run before a quote, so
  redacting serialized JSON (even JSON inside JSON) keeps it valid.
* markers are never matched again (``(?!\\[REDACTED:)``) and a marker acts
  like a word character for the token boundaries, so redaction is idempotent.

Context is kept (``DB_PASSWORD=``, ``Authorization: Bearer ``,
``https://user:`` ...); only the secret becomes ``[REDACTED:<kind>]``.
"""

import re

from recorder.redaction import rules

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs milliseconds of import time in the hook
    # (so the annotations naming these are strings: no __future__ import either)
    import os
    from collections.abc import Sequence
    from typing import Any

__all__ = ["MARKER", "load_patterns", "redact", "redact_text"]

MARKER = "[REDACTED:{kind}]"

# -- building blocks -------------------------------------------------------
_NR = r"(?!\[REDACTED:)"  # never re-redact a marker
_NOREF = r"(?!\$[{(A-Za-z_\[])"  # $VAR, ${VAR}, $(cmd) are references, not secrets
# after an opening quote: not the gap between two JSON strings (", " / ": ")
_INSIDE = r"(?![ \t]*[,:\]}])"


def _start(prefix: str, word: str = "A-Za-z0-9_") -> str:
    """Lookbehind: ``prefix`` (just consumed) starts a token, i.e. it is not
    preceded by a word character, unless that is the end of a JSON escape.

    ``]`` counts as a word character so that a marker ending right before a
    token acts like the secret it replaced (keeps redaction idempotent)."""
    return rf"(?:(?<![\]{word}]{prefix})|(?<=\\[nrt]{prefix}))"


# unquoted values that are not secrets: literals, type hints, references,
# code expressions (calls, subscripts, attribute access), PEM headers
_NOTVAL = (
    r"(?!(?i:true|false|null|none|nil|undefined|yes|no|on|off|str|bytes|int|float"
    r"|bool|dict|list|tuple|string|number|boolean|object|any|optional|union"
    r"|secret(?:str|bytes))(?=[\s\"'\\`,;)\]}\[|]|\Z)"
    r"|(?i:bearer|basic)[ \t]*(?=[\r\n\"'\\,;)\]}]|\Z)|(?i:bearer|basic|token)[ \t]+\[REDACTED:"
    r"|\$[{(A-Za-z_\[]|%[A-Za-z_]+%|\{\{|-----BEGIN"
    r"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*){0,8}[(\[]"
    r"|[A-Za-z_]+(?:\.[A-Za-z_]+){1,8}(?![A-Za-z0-9_.]))"
)
_UQ = r"[^\s\"'\\`]+"  # unquoted value: stops at whitespace, quotes, backslash
# quoted value: may hold spaces; ends at the next quote (trailing backslashes
# are given back in _span, so an escaped quote \" is never split)
_QB = r"[^\"'\r\n]+"

_PEM_C = r"A-Za-z0-9+/=\s:,.\\-"  # PEM body, also JSON-escaped ("\n")
_URL_NAMES = (
    r"(?:(?i:key|sig|pwd|pass|auth|jwt)"
    r"|[A-Za-z0-9_.-]{0,32}?(?i:token(?!s)|passw(?:or)?d|secret|api[_-]?key|credential"
    r"|signature)[A-Za-z0-9_.-]{0,32})=" + _NR + _NOREF
)
_URL_VALUE = r"[^\s&#\"'\\<>]+"
_AUTH_VALUE = r"[A-Za-z0-9._~+/=-]"
_FLAG_KW = (
    r"(?:passw(?:or)?d|passphrase|pass(?![a-z])|secret|token(?!s)|api-?key|credential"
    r"|private-key)"
)

# Top-level alternatives: (anchor-first pattern).  Groups:
#  * tag groups (empty, at the end): the whole match is the token, widened
#    by _BACK characters to the left;
#  * value groups: only the group is the secret, the rest is context.
_ITEMS: list[str] = [
    # PEM private key block: keep the BEGIN/END lines, redact the body
    r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    rf"(?P<pem>[{_PEM_C}]+?)(?=-----END|[^{_PEM_C}]|\Z)"
    r"(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
    # --db-password hunter2 (the --name=value form is handled by the kv tail)
    r"-(?<![A-Za-z0-9_\]-]-)-(?=[a-z0-9-]{0,40}?" + _FLAG_KW + r")[a-z0-9-]{1,64}"
    r"(?<!-file)(?<!-path)(?<!-stdin)(?<!-env)(?<!-dir)(?<!-name)(?<!-type)[ \t]+"
    r"(?!-)" + _NOREF + r"(?:\\*[\"'])?" + _NR + _INSIDE + rf"(?P<flag>{_UQ})",
    # curl -u user:password
    r"-(?<![A-Za-z0-9_\]-]-)(?:u|-user)[ \t]+[\"']?[^\s:\"'\\\[-][^\s:\"'\\\[]*:"
    + _NR
    + _NOREF
    + r"(?P<curl_user>[^\s\"'\\]+)",
    # sk-ant-... (Anthropic), sk-... / sk-proj-... (OpenAI)
    r"k(?<=sk)" + _start("sk", "A-Za-z0-9_-") + r"-(?:ant-[A-Za-z0-9_-]{20,}(?P<anthropic>)"
    r"|(?=[A-Za-z_-]{0,64}[0-9])[A-Za-z0-9_-]{20,}(?P<openai>))",
    # Slack incoming webhook URL
    r"k(?<=hooks\.slack)\.com/(?:services|workflows|triggers)/(?P<slack_hook>[A-Za-z0-9_/-]{8,})",
    # sk_live_ / rk_live_ (Stripe-like)
    r"_(?<=[rs]k_)" + _start("[rs]k_") + r"(?:live|test)_[A-Za-z0-9]{16,}(?P<stripe>)",
    # GitHub ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_
    r"_(?:(?<=gh[pousr]_)" + _start("gh[pousr]_") + r"[A-Za-z0-9]{30,}(?P<github>)"
    r"|(?<=github_)" + _start("github_") + r"pat_[A-Za-z0-9_]{30,}(?P<github_pat>))",
    # AWS access key id
    r"A" + _start("A") + r"(?:KI|SI)A[A-Z0-9]{16}(?![A-Za-z0-9])(?P<aws_id>)",
    # Slack tokens
    r"x" + _start("x") + r"ox[abeoprs]-[A-Za-z0-9-]{10,}(?P<slack>)",
    # Google API key
    r"z(?<=AIz)" + _start("AIz", "A-Za-z0-9_-") + r"a[A-Za-z0-9_-]{35,}(?P<google>)",
    # Authorization: Bearer/Basic/token ...  (or a bare credential)
    r"z(?i:(?<=authoriz)ation)(?:\\*[\"'])?[ \t]*[:=][ \t]*(?:\\*[\"'])?"
    r"(?:(?i:bearer|basic|token|digest|apikey)[ \t]+" + rf"(?P<auth_scheme>{_AUTH_VALUE}{{6,}})"
    r"|(?=[A-Za-z._~+/=-]{0,64}[0-9])" + rf"(?P<auth_raw>{_AUTH_VALUE}{{16,}}))",
    # bare "Bearer <token>" / "Basic <base64>": a token with a digit, or a long one of
    # both cases (a random token of letters only; a word after "Bearer" is neither)
    r"B(?<![A-Za-z0-9_\]-]B)(?:earer[ \t]+(?:(?=[A-Za-z._~+/=-]{0,64}[0-9])"
    r"|(?=[a-z._~+/=-]{0,64}[A-Z])(?=[A-Z._~+/=-]{0,64}[a-z])(?=[A-Za-z._~+/=-]{24}))"
    + rf"(?P<bearer>{_AUTH_VALUE}{{16,}})"
    + r"|asic[ \t]+(?=[A-Za-z]{0,64}[0-9+/=])(?P<basic>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=]))",
    # JWT
    r"J(?<=eyJ)"
    + _start("eyJ", "A-Za-z0-9_-")
    + r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?P<jwt>)",
    # scheme://user:PASSWORD@host
    r"://[^\s:/?#@\"'\\\[\]]*:" + _NR + _NOREF + r"(?P<url_pw>[^\s/?#@\"'\\]+)@",
    # ?token=... &password=... (query parameters)
    r"\?" + _URL_NAMES + rf"(?P<url_param>{_URL_VALUE})",
    r"&(?:amp;)?" + _URL_NAMES + rf"(?P<url_param2>{_URL_VALUE})",
]

# Keyword alternatives for NAME=value (the name CONTAINS the keyword); each
# ends with an empty group that opens the gate to the shared value tail.
_KW_ITEMS: list[str] = []
for _c in "pP":
    _KW_ITEMS.append(
        _c + r"(?:(?i:ass(?:w(?:or)?d|phrase)|rivate[_-]?key)"
        rf"|(?:(?<![A-Za-z\]]{_c})|(?<=\\[nrt]{_c}))(?i:ass)(?![A-Za-z])"
        rf"|(?<=[_.-]{_c})(?i:wd)(?![A-Za-z]))"
    )
for _c in "cC":
    _KW_ITEMS.append(_c + r"(?i:(?<=sec)ret|redential)")
for _c in "kK":
    _KW_ITEMS.append(_c + r"(?i:(?<=tok)en(?!s|iz)|(?:(?<=apik)|(?<=api[_-]k))ey)")
_KW_GROUPS = [f"kw{i}" for i in range(len(_KW_ITEMS))]
# _GATE passes iff a keyword alternative matched, _NO_GATE iff none did
_GATE = "".join(f"(?({g})|" for g in _KW_GROUPS) + "(?!)" + ")" * len(_KW_GROUPS)
_NO_GATE = "".join(f"(?({g})(?!)|" for g in _KW_GROUPS) + ")" * len(_KW_GROUPS)


_KV_VALUE = (  # a quoted value (may hold spaces) or an unquoted one
    rf"(?:\\*[\"']{_NR}{_INSIDE}{_NOREF}(?!\{{\{{)(?P<kv_q>{_QB})(?=[\"'])"
    rf"|(?:\\*[\"'])?{_NR}{_INSIDE}{_NOTVAL}(?:(?i:bearer|basic|token)[ \t]+)?{_NR}"
    rf"(?P<kv>{_UQ}))"
)


_KV_TAIL = (
    r"(?=(?P<kv_name>[A-Za-z0-9_.-]{0,64}))(?P=kv_name)"  # atomic: no backtracking
    r"(?:\\*[\"']\]?[ \t]*(?:=>|[:=])[ \t]*(?=\\*[\"'])"  # quoted name: quoted value only
    r"|[ \t]*(?::=|=>|=(?![=~>])|:(?![:=/\\?+-]))[ \t]*)" + _KV_VALUE
)

_PATTERN = (
    "(?:"
    + "|".join(
        _ITEMS + [item + f"(?P<{g}>)" for item, g in zip(_KW_ITEMS, _KW_GROUPS, strict=True)]
    )
    + f")(?:{_GATE}{_KV_TAIL}|{_NO_GATE})"
)
_RX: re.Pattern[str] | None = None  # compiled on first use (3-5 ms)


# A cheap first look: no built-in pattern can match a text that passes none of these
# checks, so most texts never pay for compiling (or running) the combined pattern.
# Keep in step with _ITEMS and _KW_ITEMS: each check is implied by some of their
# alternatives, and every alternative implies one check.
# Token prefixes, as the token shapes need them (also the identifiers' first look).
_TOKEN_WORDS = (
    "-----BEGIN",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat",
    "AKIA",
    "ASIA",
    "xox",
    "AIza",
    "hooks.slack",
    "eyJ",
)
# Bare "Bearer <token>" / "Basic <base64>" (cased), curl's "-u user:password".
_CASED_WORDS = ("Bearer ", "Bearer\t", "Basic ", "Basic\t", "-u ", "-u\t", "-user ", "-user\t")
# Keywords that name a value (NAME=value, "name": value) or sit in a --flag; "pass"
# covers passw(or)d and passphrase. Looked up in the lowercased text.
_NAME_WORDS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "privatekey",
    "private_key",
    "private-key",
    "authorization",
)
_NAME_RUN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")  # as the lowercased text has it
_BEFORE_SEPARATOR = frozenset(" \t\\\"']")  # between a name and its = or :
_WORD_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]")
_FIRST_LOOKS: dict[str, re.Pattern[str]] = {}  # small patterns, compiled on first use


def _first_look(name: str) -> re.Pattern[str]:
    """A small pattern of the first look (``query``: ?name= / &name=; ``url``: a password
    in scheme://user:password@), compiled once per process."""
    if name not in _FIRST_LOOKS:
        pattern = r"[?&][\w.-]" if name == "query" else r"://[^\s/?#\"'\\]*@"
        _FIRST_LOOKS[name] = re.compile(pattern, re.ASCII)
    return _FIRST_LOOKS[name]


def _names_value(lower: str, word: str) -> bool:
    """Whether some ``word`` in ``lower`` may name a value: name characters, then ``=``
    or ``:`` (after quotes or blanks), or it is within 40 characters after a ``--``."""
    at = lower.find(word)
    while at != -1:
        end = at + len(word)
        limit = min(len(lower), end + 64)  # the pattern's name run is at most 64 long
        while end < limit and lower[end] in _NAME_RUN:
            end += 1
        while end < len(lower) and lower[end] in _BEFORE_SEPARATOR:
            end += 1
        if end < len(lower) and lower[end] in ":=":
            return True
        if "--" in lower[max(0, at - 42) : at]:
            return True
        at = lower.find(word, at + 1)
    return False


def _starts_token(text: str, prefix: str) -> bool:
    """Whether some ``prefix`` in ``text`` starts a token: not after a word character,
    unless that ends a JSON escape (``\\n``)."""
    at = text.find(prefix)
    while at != -1:
        if at == 0 or text[at - 1] not in _WORD_BEFORE or text[at - 2 : at - 1] == "\\":
            return True
        at = text.find(prefix, at + 1)
    return False


def _may_hold_secret(text: str) -> bool:
    """False only when no built-in pattern can match ``text``."""
    if any(word in text for word in _TOKEN_WORDS) or any(w in text for w in _CASED_WORDS):
        return True
    if "sk-" in text and _starts_token(text, "sk-"):
        return True
    if "://" in text and _first_look("url").search(text) is not None:
        return True
    lower = text.lower()
    if any(word in lower and _names_value(lower, word) for word in _NAME_WORDS):
        return True
    return ("?" in text or "&" in text) and _first_look("query").search(text) is not None


def _regex() -> re.Pattern[str]:
    """The combined built-in pattern, compiled once per process."""
    global _RX
    if _RX is None:
        _RX = re.compile(_PATTERN, re.ASCII)
    return _RX


# group -> marker kind ("" = decided from the key name)
_KIND = {
    "pem": "private-key",
    "anthropic": "anthropic-key",
    "openai": "openai-key",
    "stripe": "stripe-key",
    "github": "github-token",
    "github_pat": "github-token",
    "aws_id": "aws-access-key-id",
    "slack": "slack-token",
    "slack_hook": "slack-webhook",
    "google": "google-api-key",
    "jwt": "jwt",
    "auth_scheme": "bearer-token",
    "auth_raw": "bearer-token",
    "bearer": "bearer-token",
    "basic": "basic-auth",
    "url_pw": "url-password",
    "url_param": "url-param",
    "url_param2": "url-param",
    "curl_user": "password",
    "flag": "",
    "kv": "",
    "kv_q": "",
}
# tag groups: characters of the token before the match start
_BACK = {
    "anthropic": 1,
    "openai": 1,
    "stripe": 2,
    "github": 3,
    "github_pat": 6,
    "aws_id": 0,
    "slack": 0,
    "google": 2,
    "jwt": 2,
}
_SPECIFIC = frozenset(_BACK) | {"pem"}
_TRIMMED = frozenset(("kv", "flag", "url_param", "url_param2"))
_TRAIL = ",;)]}"
_QUOTED = frozenset(("pem", "kv_q"))  # may end in a backslash run: give it back
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _name_before(text: str, index: int) -> str:
    """The run of key-name characters ending at ``index`` (at most 64)."""
    low = max(0, index - 64)
    i = index
    while i > low and (text[i - 1].isalnum() or text[i - 1] in "_.-"):
        i -= 1
    return text[i:index]


def _kind_for_name(name: str, secret: str) -> str:
    """Marker kind for a value whose key name contains a keyword."""
    low = name.lower()
    if "private" in low and "key" in low:
        return "private-key"
    if "pass" in low or "pwd" in low:
        return "password"
    if "secret" in low and "access" in low and len(secret) == 40 and _BASE64.issuperset(secret):
        return "aws-secret-key"
    return "secret"


def _span(m: re.Match[str]) -> tuple[int, int, str] | None:
    """(start, end, kind) of the secret in a match, or None to keep it."""
    group = m.lastgroup
    if group is None or group not in _KIND:
        return None
    if group in _BACK:
        return m.start() - _BACK[group], m.end(), _KIND[group]
    start, end = m.span(group)
    if group in _TRIMMED or group in _QUOTED:
        end = start + len(m.string[start:end].rstrip(_TRAIL if group in _TRIMMED else "\\"))
        if end <= start:
            return None
    kind = _KIND[group]
    if group == "pem":
        return start, end, kind
    secret = m.string[start:end]
    if not kind:  # named key or flag: kind follows the name
        name = _name_before(m.string, m.start()) + m.string[m.start() : start]
        kind = _kind_for_name(name, secret)
        if kind == "secret" and group == "kv" and secret.isdigit():
            return None  # e.g. token_limit=4096
    elif group.startswith("auth") and "basic" in m.string[m.start() : start].lower():
        kind = "basic-auth"
    if kind != "aws-secret-key" and len(secret) >= 20:
        inner = _regex().search(secret)
        if inner is not None and inner.lastgroup in _SPECIFIC:
            span = _span(inner)
            if span is not None and span[:2] == (0, len(secret)):
                kind = span[2]
    return start, end, kind


def _replace_custom(m: re.Match[str]) -> str:
    """Replace a user pattern match (or its ``secret`` group) with the marker."""
    marker = MARKER.format(kind="custom")
    if "secret" in m.re.groupindex:
        start, end = m.span("secret")
        if end <= start:
            return m.group()
        base = m.start()
        whole = m.group()
        return whole[: start - base] + marker + whole[end - base :]
    return marker if m.end() > m.start() else ""


def _one_pass(text: str) -> str:
    """One scan with the built-in pattern; returns ``text`` itself if unchanged."""
    parts: list[str] = []
    pos = 0
    for m in _regex().finditer(text):
        span = _span(m)
        if span is None:
            continue
        start, end, kind = span
        context = m.start()
        if start - context >= 20:  # long context (e.g. a URL user) may hold a token
            parts.append(text[pos:context])
            parts.append(_builtin(text[context:start]))
        else:
            parts.append(text[pos : max(start, pos)])
        parts.append(MARKER.format(kind=kind))
        pos = end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


def _builtin(text: str) -> str:
    """Built-in redaction, repeated until nothing changes.

    A marker can change what a guard sees (``b.sk-...`` looks like attribute
    access, ``b.[REDACTED:...]`` does not), so a text that got a marker is
    scanned again.  Every change removes unmarked characters, so this ends;
    usually the second scan finds nothing.
    """
    for _ in range(8):
        out = _one_pass(text)
        if out is text:
            break
        text = out
    return text


def redact_text(text: str, extra: "Sequence[re.Pattern[str]]" = ()) -> str:
    """Return ``text`` with every recognised secret replaced by a marker.

    ``extra`` are user patterns (see :func:`load_patterns`), applied after the
    built-in ones: each match, or its group named ``secret`` when the pattern
    has one, becomes ``[REDACTED:custom]``.
    """
    if not isinstance(text, str) or not text:
        return text
    key = (text, *extra)
    found = _REDACTED.get(key)
    if found is not None:
        return found
    out = rules.after(_core(text), _core)
    for pattern in extra:
        out = pattern.sub(_replace_custom, out)
    if len(text) <= REMEMBERED_CHARS:
        if len(_REDACTED) >= REMEMBERED:
            _REDACTED.clear()
        _REDACTED[key] = out
    return out


# The redaction of recent texts (a session id, a path, a report sent again in a later
# event is redacted once per process): at most REMEMBERED texts of REMEMBERED_CHARS each.
REMEMBERED, REMEMBERED_CHARS = 1024, 16384
_REDACTED: dict[tuple, str] = {}


def _core(text: str) -> str:
    """The built-in rules: the vendor shapes of ``redact_rules``, then this module's own."""
    text = rules.before(text)
    return _builtin(text) if _may_hold_secret(text) else text


_KEY_CACHE: dict[str, bool] = {}
_PLAIN_VALUES = frozenset(
    ("true", "false", "null", "none", "nil", "undefined", "yes", "no", "on", "off")
)


def _secret_key(key: object) -> bool:
    """Whether a dict key names a secret, like ``NAME`` in ``NAME=value``."""
    if not isinstance(key, str) or not key or len(key) > 64:
        return False
    hit = _KEY_CACHE.get(key)
    if hit is None:
        probe = key + "=x"
        hit = rules.secret_name(key) or (
            _may_hold_secret(probe)
            and any(m.lastgroup == "kv" and m.end() == len(probe) for m in _regex().finditer(probe))
        )
        if len(_KEY_CACHE) < 4096:
            _KEY_CACHE[key] = hit
    return hit


_AUTH_HEADERS = frozenset(("authorization", "proxy-authorization"))


def _redact_keyed(key: str, value: str, extra: "Sequence[re.Pattern[str]]") -> str:
    """A string stored under a secret-naming key (``{"password": "..."}``). An
    authorization header whose credentials the text rules find keeps its scheme
    (``Bearer [REDACTED:bearer-token]``); any other value goes whole."""
    if key.lower() in _AUTH_HEADERS:
        found = redact_text(value, extra)
        if found != value and found.split(" ", 1)[0] == value.split(" ", 1)[0]:
            return found
    plain = value.strip()
    kind = _kind_for_name(key, plain)
    if (
        not plain
        or plain.lower() in _PLAIN_VALUES
        or plain.startswith(("$", "{{", "[REDACTED:"))
        or (kind == "secret" and plain.isdigit())
    ):
        return redact_text(value, extra)
    inner = _regex().search(plain)
    if inner is not None and inner.lastgroup in _SPECIFIC:
        span = _span(inner)
        if span is not None and span[:2] == (0, len(plain)):
            kind = span[2]
    return MARKER.format(kind=kind)


# The first look of recent key sets: most dicts of the payloads have the same keys as
# many others (a usage, a tool_response, the payload itself), each looked at once per
# process. At most REMEMBERED key sets.
_KEYS_LOOKED: dict[tuple, bool] = {}


def _keys_may_hold_secret(keys: "Sequence[str]") -> bool:
    """One first look for all keys of a dict (a key's secret is in the joined text).

    An identifier (``totalTokens``, ``api_key``) holds no separator, so no ``name=value``,
    header or URL pattern can match in it: only a token with a known prefix can, which
    keeps the usual keys of a payload from compiling the combined pattern.
    """
    keys = tuple(keys)
    found = _KEYS_LOOKED.get(keys)
    if found is None:
        if len(_KEYS_LOOKED) >= REMEMBERED:
            _KEYS_LOOKED.clear()
        found = _KEYS_LOOKED[keys] = _keys_look(keys)
    return found


def _keys_look(keys: tuple[str, ...]) -> bool:
    names = [k for k in keys if not k.isidentifier()]
    if names and _may_hold_secret("\n".join(names)):
        return True
    identifiers = "\n".join(k for k in keys if k.isidentifier())
    return any(word in identifiers for word in _TOKEN_WORDS) or rules.may_hold_secret(
        "\n".join(keys)
    )


def _clean_keys(mapping: dict, extra: "Sequence[re.Pattern[str]]") -> dict:
    """A copy of ``mapping`` with its string keys redacted (a token used as a key is
    still a token). Keys that become equal get a numbered suffix, so no value is lost."""
    if not extra and not _keys_may_hold_secret(tuple(k for k in mapping if isinstance(k, str))):
        return dict(mapping)
    copy = {}
    for key, value in mapping.items():
        if isinstance(key, str):
            clean = redact_text(key, extra)
            if clean != key:
                base, n = clean, 2
                while clean in copy or clean in mapping:
                    clean, n = f"{base} ({n})", n + 1
            key = clean
        copy[key] = value
    return copy


def redact(value: object, extra: "Sequence[re.Pattern[str]]" = ()) -> object:
    """Redact every string inside ``value``.

    Walks dict keys and values, lists and tuples (iteratively, so deep nesting
    cannot overflow the stack); non-string leaves are kept.  A string
    stored under a key that names a secret (``password``, ``api_key``,
    ``GITHUB_TOKEN`` ...) is replaced as a whole, unless it is a literal like
    ``true``, a ``$VAR`` reference or a number under a ``*token*`` key.
    Returns new containers and leaves the input untouched.
    """
    if isinstance(value, str):
        return redact_text(value, extra)
    if not isinstance(value, (dict, list, tuple)):
        return value
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    tuples: list[tuple[Any, Any, type]] = []
    copies: dict[int, Any] = {}  # shared or cyclic dicts/lists are copied once
    while stack:
        parent, key = stack.pop()
        item = parent[key]
        if isinstance(item, str):
            if isinstance(parent, dict) and _secret_key(key):
                parent[key] = _redact_keyed(key, item, extra)
            else:
                parent[key] = redact_text(item, extra)
        elif isinstance(item, (dict, list)):
            if id(item) in copies:
                parent[key] = copies[id(item)]
                continue
            copy: Any = _clean_keys(item, extra) if isinstance(item, dict) else list(item)
            copies[id(item)] = parent[key] = copy
            stack.extend(
                (copy, k) for k in (list(copy) if isinstance(copy, dict) else range(len(copy)))
            )
        elif isinstance(item, tuple):
            parent[key] = list(item)
            tuples.append((parent, key, type(item)))
            stack.extend((parent[key], i) for i in range(len(item)))
    for parent, key, cls in reversed(tuples):  # innermost first
        items = parent[key]
        parent[key] = cls._make(items) if hasattr(cls, "_fields") else cls(items)
    return root[0]


def load_patterns(path: "str | os.PathLike[str]") -> list[re.Pattern[str]]:
    """Read user redaction patterns: one regex per line (see :func:`read_patterns`).

    A line that does not compile, or that matches the empty string, raises
    ``ValueError`` naming the file and line number.
    """
    patterns, problems = read_patterns(path)
    if problems:
        raise ValueError(problems[0])
    return patterns


def read_patterns(path: "str | os.PathLike[str]") -> tuple[list[re.Pattern[str]], list[str]]:
    """(the patterns of the good lines, one message per bad line) of a pattern file.

    Blank lines and lines starting with ``#`` are ignored; surrounding whitespace is
    stripped. A bad line (it does not compile, or matches the empty string) is named with
    its file and line number, and leaves the other lines' patterns in use.
    """
    import os  # only here: the rest of this module needs nothing but re

    patterns: list[re.Pattern[str]] = []
    problems: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{os.fspath(path)}: line {lineno}:"
            try:
                pattern = re.compile(line)
            except re.error as exc:
                problems.append(f"{where} invalid pattern `{line}`: {exc}")
                continue
            if pattern.fullmatch("") is not None:
                problems.append(f"{where} pattern `{line}` matches the empty string")
                continue
            patterns.append(pattern)
    return patterns, problems

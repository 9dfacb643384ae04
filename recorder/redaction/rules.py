"""Secret shapes beyond the core engine (``redact``): vendor token formats, connection
strings, command-line passwords, cookies, encoded secrets.

The rule set covers the token formats the established scanners know (gitleaks,
detect-secrets, trufflehog), written here from the vendors' documented shapes.
``before`` runs ahead of the core engine (its rules see the text as it came) and
``after`` once the core engine has marked what it knows. Each rule needs one of its
literal ``hints`` in the text, so most texts cost a few substring tests and no
regular expression at all. Needs nothing but ``re``: the hook's last-resort dead
letter (when the recorder cannot be imported) is redacted with it.
"""

import re

MARKER = "[REDACTED:{kind}]"

_B = r"(?:(?<![A-Za-z0-9_\\])|(?<=\\[nrt]))"  # a token starts here (also after a JSON \n)
_E = r"(?![A-Za-z0-9_])"  # and ends here
_V = r"[^\s\"'\\`<>]"  # an unquoted value character
_NL = r"(?:[ \t]|\r?\n|(?:\\+r)?\\+n)+"  # white space, also JSON-escaped newlines

# (kind, hints, pattern): the secret is the group ``s`` when the pattern has one,
# else the whole match. Hints are literals, one of which every match contains.
RULES: list[tuple[str, tuple[str, ...], str]] = [
    # chat and collaboration
    ("slack-token", ("xox",), _B + r"(?P<s>xox[a-z]-[\w-]{10,}|xoxe\.xox[bp]-[\w-]{20,})"),
    ("slack-token", ("xapp-",), _B + r"xapp-\d-[A-Za-z0-9-]{10,}"),
    (
        "discord-token",
        ("MT", "Mj", "Mz", "ND", "NT", "Nj", "Nz", "OD", "OT"),
        _B + r"[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}",
    ),
    ("discord-webhook", ("/api/webhooks/",), r"/api/webhooks/\d{5,}/(?P<s>[\w-]{20,})"),
    ("telegram-token", ("bot",), r"bot\d{6,12}:(?P<s>[\w-]{30,})"),
    ("telegram-token", (":AA",), _B + r"\d{8,12}:AA[\w-]{30,}"),
    ("linear-key", ("lin_",), _B + r"lin_(?:api|oauth)_[A-Za-z0-9]{32,}"),
    ("atlassian-token", ("ATATT", "ATCTT"), _B + r"AT[AC]TT3[\w=-]{20,}"),
    ("bitbucket-token", ("ATBB",), _B + r"ATBB[\w=.-]{24,}"),
    ("notion-token", ("secret_", "ntn_"), _B + r"(?:secret|ntn)_[A-Za-z0-9]{40,}"),
    ("airtable-token", ("pat",), _B + r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}"),
    ("typeform-token", ("tfp_",), _B + r"tfp_[\w=.-]{40,}"),
    ("figma-token", ("figd_",), _B + r"figd_[\w-]{30,}"),
    ("intercom-token", ("dG9rOi",), _B + r"dG9rOi[A-Za-z0-9+/=_-]{20,}"),
    # code hosting, packages, CI
    (
        "gitlab-token",
        ("gl",),
        _B + r"gl(?:pat|dt|ptt|rt|soat|ffct|cbt|imt|agent|oas|wt|ft)-[\w.-]{20,}",
    ),
    ("gitlab-token", ("GR1348941",), _B + r"GR1348941[\w-]{20,}"),
    ("npm-token", ("npm_",), _B + r"npm_[A-Za-z0-9]{30,}"),
    ("npm-token", ("_auth",), r"_auth(?:Token)?[ \t]*=[ \t]*[\"']?(?P<s>" + _V + "{8,})"),
    ("pypi-token", ("pypi-",), _B + r"pypi-AgE[\w-]{40,}"),
    ("rubygems-token", ("rubygems_",), _B + r"rubygems_[a-f0-9]{40,}"),
    ("nuget-key", ("oy2",), _B + r"oy2[a-z0-9]{43}" + _E),
    ("clojars-token", ("CLOJARS_",), _B + r"CLOJARS_[a-z0-9]{40,}"),
    (
        "jfrog-token",
        ("AKCp", "cmVmdGtu"),
        _B + r"(?:AKCp[A-Za-z0-9]{60,}|cmVmdGtu[A-Za-z0-9]{50,})",
    ),
    ("circleci-token", ("CCIPAT_",), _B + r"CCIPAT_[\w]{20,}"),
    ("buildkite-token", ("bkua_",), _B + r"bkua_[a-f0-9]{40}"),
    ("sourcegraph-token", ("sgp_",), _B + r"sgp_(?:[a-f0-9]{16}_)?[a-f0-9]{40}"),
    ("octopus-key", ("API-",), _B + r"API-[A-Z0-9]{26}" + _E),
    ("pulumi-token", ("pul-",), _B + r"pul-[a-f0-9]{40}"),
    ("prefect-key", ("pnu_",), _B + r"pnu_[A-Za-z0-9]{36}"),
    ("postman-key", ("PMAK-",), _B + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    ("readme-key", ("rdme_",), _B + r"rdme_[a-z0-9]{60,}"),
    ("terraform-token", (".atlasv1.",), _B + r"[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,}"),
    ("harness-token", ("pat.", "sat."), _B + r"[ps]at\.[\w-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20}"),
    ("infracost-key", ("ico-",), _B + r"ico-[A-Za-z0-9]{32}"),
    (
        "launchdarkly-key",
        ("api-", "sdk-", "mob-"),
        _B + r"(?:api|sdk|mob)-[a-f0-9]{8}(?:-[a-f0-9]{4}){3}-[a-f0-9]{12}",
    ),
    # AI providers
    ("huggingface-token", ("hf_",), _B + r"hf_[A-Za-z0-9]{30,}"),
    ("huggingface-token", ("api_org_",), _B + r"api_org_[A-Za-z0-9]{30,}"),
    ("groq-key", ("gsk_",), _B + r"gsk_[A-Za-z0-9]{40,}"),
    ("replicate-token", ("r8_",), _B + r"r8_[A-Za-z0-9]{30,}"),
    ("perplexity-key", ("pplx-",), _B + r"pplx-[A-Za-z0-9]{40,}"),
    ("xai-key", ("xai-",), _B + r"xai-[A-Za-z0-9]{50,}"),
    ("langsmith-key", ("lsv2_",), _B + r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}"),
    ("pinecone-key", ("pcsk_",), _B + r"pcsk_[\w]{40,}"),
    ("fireworks-key", ("fw_",), _B + r"fw_[A-Za-z0-9]{20,}"),
    # cloud and hosting
    ("google-oauth-token", ("ya29.",), _B + r"ya29\.[\w-]{20,}"),
    ("google-oauth-secret", ("GOCSPX-",), _B + r"GOCSPX-[\w-]{20,}"),
    ("google-oauth-token", ("1//0",), r"(?<![\w/])1//0[\w-]{30,}"),
    (
        "azure-key",
        ("AccountKey=", "SharedAccessKey=", "SharedAccessSignature="),
        r"(?:AccountKey|SharedAccessKey|SharedAccessSignature)=(?P<s>[^;\s\"'\\]{8,})",
    ),
    ("azure-sas", ("sig=",), r"[?&]sig=(?P<s>[A-Za-z0-9%+/=]{16,})"),
    ("azure-client-secret", ("Q~",), _B + r"[\w~.-]{3}\dQ~[\w~.-]{31,34}"),
    ("digitalocean-token", ("_v1_",), _B + r"do[opr]_v1_[a-f0-9]{64}"),
    ("alibaba-key-id", ("LTAI",), _B + r"LTAI[A-Za-z0-9]{20}" + _E),
    ("tencent-key-id", ("AKID",), _B + r"AKID[A-Za-z0-9]{32}" + _E),
    ("heroku-key", ("HRKU-",), _B + r"HRKU-[\w-]{20,}"),
    ("fly-token", ("fo1_", "fm1", "fm2_"), _B + r"(?:fo1_[\w-]{30,}|fm[12][ar]?_[\w+/=-]{40,})"),
    ("netlify-token", ("nfp_",), _B + r"nfp_[A-Za-z0-9]{36}"),
    ("render-key", ("rnd_",), _B + r"rnd_[A-Za-z0-9]{20,}"),
    ("supabase-key", ("sbp_", "sb_secret_"), _B + r"(?:sbp_[a-f0-9]{40}|sb_secret_[\w-]{20,})"),
    ("planetscale-token", ("pscale_",), _B + r"pscale_(?:tkn|pw|oauth)_[\w.-]{30,}"),
    (
        "doppler-token",
        ("dp.",),
        _B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[\w-]{1,30}\.)?[A-Za-z0-9]{40,}",
    ),
    ("databricks-token", ("dapi",), _B + r"dapi[a-f0-9]{32}(?:-\d)?"),
    ("dynatrace-token", ("dt0c01.",), _B + r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}"),
    ("dropbox-token", ("sl.",), _B + r"sl\.(?:u\.)?[\w-]{100,}"),
    ("cloudflare-key", ("v1.0-",), _B + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"),
    ("tailscale-key", ("tskey-",), _B + r"tskey-[\w-]{20,}"),
    (
        "grafana-token",
        ("glc_", "glsa_"),
        _B + r"(?:glc_[A-Za-z0-9+/=]{32,}|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})",
    ),
    ("newrelic-key", ("NRAK-", "NRJS-", "NRII-"), _B + r"NR(?:AK|JS|II)-[A-Za-z0-9]{19,}"),
    ("sentry-token", ("sntrys_", "sntryu_"), _B + r"sntry[su]_[\w+/=]{40,}"),
    ("vault-token", ("hvs.", "hvb.", "hvr."), _B + r"hv[sbr]\.[\w-]{20,}"),
    ("age-key", ("AGE-SECRET-KEY-1",), r"AGE-SECRET-KEY-1[0-9A-Z]{50,}"),
    ("mapbox-token", ("sk.eyJ",), _B + r"sk\.eyJ[\w-]{20,}\.[\w-]{10,}"),
    ("facebook-token", ("EAA",), _B + r"EAA[A-Za-z0-9]{60,}"),
    ("twitter-token", ("AAAAAAAAAAAAAAAAAAAAA",), r"AAAAAAAAAAAAAAAAAAAAA[A-Za-z0-9%]{30,}"),
    ("firebase-key", (":APA91b",), _B + r"[\w-]{7,}:APA91b[\w-]{60,}"),
    # payments and messaging
    ("stripe-key", ("whsec_",), _B + r"whsec_[A-Za-z0-9]{20,}"),
    (
        "stripe-key",
        ("pk_live_", "sk_live", "rk_live", "_test_"),
        _B + r"[spr]k_(?:live|test)_[A-Za-z0-9]{16,}",
    ),
    ("twilio-key", ("SK", "AC"), _B + r"(?:SK|AC)[0-9a-fA-F]{32}" + _E),
    ("sendgrid-key", ("SG.",), _B + r"SG\.[\w-]{16,32}\.[\w-]{16,64}"),
    (
        "sendinblue-key",
        ("xkeysib-", "xsmtpsib-"),
        _B + r"x(?:key|smtp)sib-[a-f0-9]{64}-[A-Za-z0-9]{16}",
    ),
    ("mailgun-key", ("key-",), _B + r"key-[0-9a-f]{32}" + _E),
    ("mailchimp-key", ("-us",), _B + r"[0-9a-f]{32}-us\d{1,2}" + _E),
    ("shopify-token", ("shp",), _B + r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}"),
    ("square-token", ("sq0", "EAAA"), _B + r"(?:sq0(?:atp|csp)-[\w-]{22,}|EAAA[\w-]{60})"),
    ("shippo-token", ("shippo_",), _B + r"shippo_(?:live|test)_[a-f0-9]{40}"),
    ("easypost-key", ("EZAK", "EZTK"), _B + r"EZ[AT]K[A-Za-z0-9]{50,}"),
    ("flutterwave-key", ("FLWSECK",), _B + r"FLWSECK(?:_TEST)?-[a-f0-9]{32}-X"),
    ("duffel-token", ("duffel_",), _B + r"duffel_(?:test|live)_[\w=-]{40,}"),
    ("gocardless-token", ("live_",), _B + r"live_[\w=-]{40}" + _E),
    (
        "braintree-token",
        ("$production$", "$sandbox$"),
        r"access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}",
    ),
    ("frameio-token", ("fio-u-",), _B + r"fio-u-[\w=-]{60,}"),
    ("adafruit-key", ("aio_",), _B + r"aio_[A-Za-z0-9]{28}" + _E),
    ("scalingo-token", ("tk-us-",), _B + r"tk-us-[\w-]{40,}"),
    # connection strings, commands, headers, files
    (
        "url-password",
        ("://",),
        r"://[^\s:/?#@\"'\\\[\]]{1,128}:(?!\[REDACTED:)(?P<s>[^\s\"'\\]{1,256}?[^\s\"'\\@])"
        r"@(?=[A-Za-z0-9.-]+(?:[:/?#\s\"'\\]|$))",
    ),
    ("sentry-dsn", ("://",), r"://(?P<s>[0-9a-f]{32})(?::[0-9a-f]{32})?@"),
    (
        "url-password",
        ("%3A%2F%2F", "%3a%2f%2f"),
        r"(?i:%3A%2F%2F)[^\s%@/]{0,128}(?i:%3A)(?P<s>[^\s\"'\\&]{1,256}?)(?=%40)",
    ),
    (
        "password",
        ("mysql", "mariadb"),
        _B
        + r"(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\r\n|;&]{0,200}?[ \t]-p(?P<s>[^\s\"'\\-]"
        + _V
        + "*)",
    ),
    ("password", ("sshpass",), _B + r"sshpass[ \t]+-p[ \t]*(?P<s>" + _V + "+)"),
    (
        "password",
        ("password",),
        _B + r"login" + _NL + r"\S+" + _NL + r"password" + _NL + r"(?P<s>" + _V + "+)",
    ),
    ("private-key", ("-key-data",), r"client-key-data:[ \t]*[\"']?(?P<s>[A-Za-z0-9+/=]{16,})"),
    (
        "docker-auth",
        ("auth",),
        r"\\*[\"']auth\\*[\"'][ \t]*:[ \t]*\\*[\"'](?P<s>[A-Za-z0-9+/=]{8,})",
    ),
    ("private-key", ('"d"', '"d\\'), r"\\*\"d\\*\"[ \t]*:[ \t]*\\*\"(?P<s>[\w-]{40,})"),
]

# Rules for what the core engine left beside its markers.
AFTER: list[tuple[str, tuple[str, ...], str]] = [
    # a value that went on after a backslash (C:\..., pa\ss): the rest of it
    (
        "password",
        ("D:password]", "D:secret]", "D:url-password]"),
        r"(?:(?<=\[REDACTED:password\])|(?<=\[REDACTED:secret\])|(?<=\[REDACTED:url-password\]))"
        r"(?P<s>(?:\\+(?![nrt\"'\\])[^\s\"'\\]+)+)",
    ),
    # an unquoted password with spaces: the words after its first, to the end of the line
    # (not a command line's next flags: ``--password hunter2 -d file``)
    (
        "password",
        ("D:password]",),
        r"(?<=\[REDACTED:password\])(?P<s>(?:[ \t](?!-)[\w!@#%^&*+=~.,-]+){1,8})"
        r"(?=[ \t]*(?:$|\r|\n|\\+[rn\"']|[\"']))",
    ),
    (
        "secret",
        ("name:", 'name":'),
        r"name\\*[\"']?:[ \t]*\\*[\"']?"
        r"[\w.-]*(?i:pass|secret|token|_key|credential|auth)[\w.-]*\\*[\"']?,?"
        + _NL
        + r"\\*[\"']?value\\*[\"']?:[ \t]*\\*[\"']?(?!\$|\[REDACTED)(?P<s>"
        + _V
        + "+)",
    ),
    (
        "secret",
        ("key", "KEY", "Key"),
        r"(?<![\w.-])(?i:[\w.-]*(?:signing|encryption|encrypt|app|master|access|account|client|shared|session"
        r"|hmac|jwt|cookie|license|admin|service|root|server|webhook|deploy|ssh|sign|enc|cipher|aes"
        r"|dd|secret|private)[_.-]?key)\\*[\"']?[ \t]*(?:=|:(?!:))[ \t]*\\*[\"']?(?!\$|\[REDACTED)"
        r"(?P<s>[\w+/=.~-]{12,})",
    ),
]

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def base64_head(prefix: str) -> str:
    """The characters every base64 encoding of a text starting with ``prefix`` starts with."""
    data = prefix.encode()
    bits = "".join(f"{byte:08b}" for byte in data)
    whole = len(bits) // 6 * 6
    return "".join(_BASE64[int(bits[i : i + 6], 2)] for i in range(0, whole, 6))


# base64 of texts that start with a well-known token or a password assignment
_ENCODED_PREFIXES = (
    "sk-ant-", "sk-proj-", "sk-svcacct-", "ghp_", "gho_", "ghs_", "github_pat_", "glpat-",
    "xoxb-", "xoxp-", "AKIA", "ASIA", "sk_live_", "rk_live_", "hf_", "npm_", "pypi-AgE",
    "AIza", "ya29.", "SG.", "xoxp-", "whsec_", "password=", "PASSWORD=", "-----BEGIN", "eyJhbGci",
)  # fmt: skip
_ENCODED_HEADS = tuple(base64_head(p) for p in _ENCODED_PREFIXES)
RULES.append(
    (
        "base64-secret",
        _ENCODED_HEADS,
        r"(?:(?<![A-Za-z0-9+/\\])|(?<=\\[nrt]))(?:"
        + "|".join(map(re.escape, _ENCODED_HEADS))
        + r")[A-Za-z0-9+/_-]{8,}={0,2}",
    )
)

# Helper patterns, each compiled the first time a text (or key) may need it.
_SHAPES = {
    "aws_id": r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    "aws_secret": r"(?:(?<![A-Za-z0-9+/\\])|(?<=\\[nrt]))(?=\S{0,39}[a-z])(?=\S{0,39}[A-Z])"
    r"[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])",
    # A run starts only where the one before it ended (after a space, quote, %, & ...): a
    # start inside a long run would scan it again and again (quadratic on a megabyte of text).
    "percent_run": r"(?<![^\s\"'<>%&\\])[^\s\"'<>%&\\]*(?:%[0-9A-Fa-f]{2}[^\s\"'<>%&\\]*)+",
    "percent": r"%([0-9A-Fa-f]{2})",
    "cookie": _B + r"(?i:(?:set-)?cookie)\\*[\"']?[ \t]*:[ \t]*(?P<s>[^\r\n\"'\\]+)",
    "cookie_pair": r"(?P<n>[^=;\s]+)=(?P<v>[^;\s]*)",
    "key_gate": r"(?i:key)\\*[\"']?[ \t]*(?:=|:(?!:))",
    # what every match of a rule with a hint ordinary text holds also holds (its pattern
    # starts with a look-behind, which a search tries at every character; these are found
    # by their literal start)
    "discord_gate": r"\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27}",
    "docker_auth_gate": r"auth\\*[\"'][ \t]*:",
    "mailchimp_gate": r"-us\d",
    "login_gate": r"login",
    "names": r"(?i)(?:^|[_.-])(?:signing|encryption|encrypt|app|master|access|account|client"
    r"|shared|session|hmac|jwt|cookie|license|admin|service|root|server|webhook|deploy|ssh"
    r"|sign|enc|cipher|aes|dd|secret|private)[_.-]?key$"
    r"|^(?:_?auth|cookie|set-cookie|dsn|sentry_dsn|(?:proxy-)?authorization)$",
}
_compiled_shapes: dict[str, re.Pattern[str]] = {}
_COOKIE_ATTRIBUTES = frozenset(("path", "domain", "expires", "max-age", "samesite"))


def _shape(name: str) -> re.Pattern[str]:
    """The helper pattern ``name``, compiled once per process."""
    rx = _compiled_shapes.get(name)
    if rx is None:
        rx = _compiled_shapes[name] = re.compile(_SHAPES[name])
    return rx


# A hint that ordinary prose holds ("key") would run its rule's pattern over most texts;
# such a rule also needs its gate (a helper pattern above): every match holds it, and it
# is quick to look for.
_GATES = {
    "key": "key_gate",
    "MT": "discord_gate",
    "auth": "docker_auth_gate",
    "-us": "mailchimp_gate",
    "password": "login_gate",
}

# Short hints that words hold ("gl" in "global", "pat" in "path", "bot" in "both"): every
# match of their rule starts with the hint, followed by at least this many characters
# without white space, quotes, brackets or backslashes. Looked at before the rule's
# pattern is compiled, so a path or a sentence costs a slice, not a compile and a search.
_RUNS = {"gl": 23, "pat": 79, "bot": 37, "SK": 32, "sl.": 100}
_BREAKS = str.maketrans("", "", " \t\n\r\f\v\"'`\\<>()[]{},;|")


def _run_follows(text: str, hints: tuple[str, ...], length: int) -> bool:
    """Whether one of ``hints`` in ``text`` is followed by ``length`` unbroken characters."""
    for hint in hints:
        at = text.find(hint)
        while at != -1:
            run = text[at + len(hint) : at + len(hint) + length]
            if len(run) == length and len(run.translate(_BREAKS)) == length:
                return True
            at = text.find(hint, at + 1)
    return False


def _gated_out(text: str, hints: tuple[str, ...]) -> bool:
    """Whether ``text``, which holds one of ``hints``, lacks what their rule's gate needs."""
    if hints[0] in _GATES:
        return _shape(_GATES[hints[0]]).search(text) is None
    return not _run_follows(text, hints, _RUNS[hints[0]])


class _RuleSet:
    """Rules, each compiled the first time a text holds one of its hints (and its gate)."""

    def __init__(self, rules: list[tuple[str, tuple[str, ...], str]]) -> None:
        self.rules = rules
        self.hints = [(hint, i) for i, (_, hints, _) in enumerate(rules) for hint in hints]
        # each hint with its characters: a text lacking one of them cannot hold it, which a
        # set comparison tells sooner than a search of the text
        self.lettered = [(hint, frozenset(hint), i) for hint, i in self.hints]
        self.compiled: list[re.Pattern[str] | None] = [None] * len(rules)
        self.gated = {
            i: hints
            for i, (_, hints, _) in enumerate(rules)
            if hints[0] in _GATES or hints[0] in _RUNS
        }

    def may_match(self, text: str) -> bool:
        return any(hint in text for hint, _ in self.hints)

    def hinted(self, text: str) -> set[int]:
        """The rules one of whose hints ``text`` holds."""
        present = set(text)
        return {i for hint, letters, i in self.lettered if letters <= present and hint in text}

    def apply(self, text: str) -> str:
        hinted = self.hinted(text)
        for i, (kind, _, pattern) in enumerate(self.rules):
            if i not in hinted or (i in self.gated and _gated_out(text, self.gated[i])):
                continue
            rx = self.compiled[i]
            if rx is None:
                rx = self.compiled[i] = re.compile(pattern)
            marked = _mark(rx, text, MARKER.format(kind=kind))
            if marked is not text:  # a marker in, a secret out: look at the hints again
                text, hinted = marked, self.hinted(marked)
        return text


def _mark(rx: re.Pattern[str], text: str, marker: str) -> str:
    """``text`` with each match of ``rx`` (its group ``s`` if it has one) replaced by ``marker``."""
    grouped = "s" in rx.groupindex
    out: list[str] = []
    pos = 0
    for m in rx.finditer(text):
        start, end = m.span("s") if grouped else m.span()
        if start < pos or end <= start or text.startswith("[REDACTED:", start):
            continue  # overlapping, empty, or a marker already
        out.append(text[pos:start])
        out.append(marker)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


_BEFORE = _RuleSet(RULES)
_AFTER = _RuleSet(AFTER)


def may_hold_secret(text: str) -> bool:
    """False only when no rule of this module can match ``text``."""
    return (
        _BEFORE.may_match(text)
        or _AFTER.may_match(text)
        or "%" in text
        or "ookie" in text
        or "OOKIE" in text
    )


def _aws_secrets(text: str) -> str:
    """A text that holds an AWS key id: its 40-character mixed-case base64 runs too."""
    if ("AKIA" not in text and "ASIA" not in text) or not _shape("aws_id").search(text):
        return text
    return _shape("aws_secret").sub(MARKER.format(kind="aws-secret-key"), text)


def _cookies(text: str) -> str:
    """Each value in a Cookie or Set-Cookie header (its attributes kept)."""
    if "ookie" not in text and "OOKIE" not in text:
        return text

    def pair(p: re.Match[str]) -> str:
        value = p.group("v")
        if p.group("n").lower() in _COOKIE_ATTRIBUTES or not value or "[REDACTED:" in value:
            return p.group()
        return p.group("n") + "=" + MARKER.format(kind="cookie")

    def header(m: re.Match[str]) -> str:
        head = m.group()[: m.start("s") - m.start()]
        return head + _shape("cookie_pair").sub(pair, m.group("s"))

    return _shape("cookie").sub(header, text)


_HEX = frozenset("0123456789abcdefABCDEF")


def _percent_escape(text: str) -> bool:
    """Whether ``text`` holds a ``%`` and two hex digits (``50% of`` is no escape)."""
    at = text.find("%")
    while at != -1:
        if text[at + 1 : at + 2] in _HEX and text[at + 2 : at + 3] in _HEX:
            return True
        at = text.find("%", at + 1)
    return False


def _url_encoded(text: str, redact_text) -> str:
    """Percent-encoded runs that hide a secret once decoded become a marker."""
    if not _percent_escape(text):
        return text

    def check(m: re.Match[str]) -> str:
        run = m.group()
        decoded = _shape("percent").sub(lambda h: chr(int(h.group(1), 16)), run)
        if decoded != run and redact_text(decoded) != decoded:
            return MARKER.format(kind="url-encoded-secret")
        return run

    return _shape("percent_run").sub(check, text)


def before(text: str) -> str:
    """``text`` with the secrets of these rules marked (run ahead of the core engine)."""
    return _BEFORE.apply(_aws_secrets(text))


def after(text: str, redact_text) -> str:
    """What the core engine left: secrets known by their names, the rest of values it cut
    short (after a backslash or a space), percent-encoded secrets."""
    return _url_encoded(_cookies(_AFTER.apply(text)), redact_text)


# What every key ``names`` matches ends with, or is (ASCII keys; \n: ``$`` before one).
_NAME_END = "key"
_WHOLE_NAMES = frozenset(
    (
        "auth",
        "_auth",
        "cookie",
        "set-cookie",
        "dsn",
        "sentry_dsn",
        "authorization",
        "proxy-authorization",
    )
)


def secret_name(key: str) -> bool:
    """Whether a dict key names a secret that only these rules know (``DD_APP_KEY``)."""
    if key.isascii():  # a first look; other keys may hold letters that match ASCII ones
        tail = key[:-1].lower() if key.endswith("\n") else key.lower()
        if not tail.endswith(_NAME_END) and tail not in _WHOLE_NAMES:
            return False
    return _shape("names").search(key) is not None


def redact_text(text: str) -> str:
    """Only these rules (the last-resort redaction when the core engine is unavailable)."""
    return after(before(text), before)

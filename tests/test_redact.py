"""Secret redaction: recorder.redaction.engine.

All secrets below are fakes, assembled from pieces so that secret scanners
do not flag this file; they have the shape of the real thing.
"""

from __future__ import annotations

import base64
import json
import re
from collections import namedtuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recorder.redaction.engine import MARKER, load_patterns, read_patterns, redact, redact_text

# -- realistic fake secrets ---------------------------------------------------
ANTHROPIC = (
    "sk-ant-api03-" + "R2d2C3po4QXk9vLm7TnB8wYz1HjKs5GdFq6PuE0iOa3ZrXc-VbNm4LpQw8ErTy2" + "AA"
)
ANTHROPIC_ADMIN = "sk-ant-admin01-" + "Zt7Qm2Lx9Kp4Wv8Rn1Bc6Hd3Jf5Gs0Ty_Ua2Ie7Oo9Pp4Aa"
OPENAI_PROJECT = "sk-proj-" + "Xy7Kp2Lm9Qr4St6Uv8Wx0Za1Bc3De5Fg7Hi9Jk2Lm4No6Pq8Rs0Tu2Vw4Xy6Za8"
OPENAI_LEGACY = "sk-" + "4fJ8kL2mN9pQ3rS6T3BlbkFJtU1vW5xY7zA0bC2dE4fG6hI8"
OPENAI_SERVICE = "sk-svcacct-" + "Pq4Rs8Tu2Vw6Xy0Za4Bc8De2Fg6Hi0Jk4Lm8No2"
AWS_KEY_ID = "AKIA" + "Q3EGRT7PLX2WM5HZ"
AWS_TEMP_KEY_ID = "ASIA" + "XK4M2P9QWERT7YZB"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY8QzT4nVs1K"
GITHUB_CLASSIC = "ghp_" + "R8mK2pQ9xL4vN7tW1zY5bC3dF6hJ0kS2aE8g"
GITHUB_OAUTH = "gho_" + "T5nB8vC1xZ4mL7kJ0hG3fD6sA9pO2iU5yT8r"
GITHUB_ACTIONS = "ghs_" + "Q2wE5rT8yU1iO4pA7sD0fG3hJ6kL9zX2cV5b"
GITHUB_FINE = "github_pat_" + "11AZQK7XA0hT4kL9mN2pQ7_rS5tU8vW1xY3zA6bC9dE2fG4hJ7kL0mN3pQ5rS8tU1vW"
SLACK_BOT = "xoxb-" + "2145367890123-4412345678901-Zq8Wm3Kp7Rt2Yx5Vn9Bc4Hd6"
SLACK_USER = "xoxp-" + "2145367890123-2145367890456-4412345678901-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SLACK_WEBHOOK_PATH = "T024BE7LD/B01ABCDEF23/" + "vQx7pL2mK9rT4sW8yZ1cN5bH"
GOOGLE_KEY = "AIza" + "SyB7xK2mQ9pL4vN8tR1wZ5cD3fH6jK0sA2e"
STRIPE_LIVE = "sk_live_" + "51HxKqLJm2ZtPq8RwYv4N7sBc3Dd"
STRIPE_RESTRICTED = "rk_live_" + "51HxKqLJm2ZtPq8Rs1Tu3Vw5Xy7"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    + ".eyJzdWIiOiJ1c2VyXzQyIiwicm9sZSI6ImFkbWluIiwiaWF0IjoxNzMyNDQ0MDAwfQ"
    + ".4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4"
)
KEY_BODY = (
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo\n"
)
PEM_RSA = "-----BEGIN RSA PRIVATE KEY-----\n" + KEY_BODY + "-----END RSA PRIVATE KEY-----"
PEM_OPENSSH = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDx2R4f3Gq8nW7mK9pL2vT5xY1zA4bC7dE0fH3jK6lM9QAAAJgZ7Xh+Ge14\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
PEM_EC = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oDM2EJnYdH9eoAoGCCqGSM49\n"
    "AwEHoUQDQgAEYD54V/vp+54P9DXarYqx4MPcm+HKRIQzNasYSoRQHQ/6S6Ps8tpM\n"
    "-----END EC PRIVATE KEY-----"
)
BASIC_CREDENTIALS = base64.b64encode(b"deploy:Sup3rS3cret!").decode()

# (id, text, secret, kind): secrets embedded in the kind of text agents see
SECRETS = [
    (
        "anthropic-shell-history",
        f"  501  export ANTHROPIC_API_KEY={ANTHROPIC}\n  502  claude -p 'hello'",
        ANTHROPIC,
        "anthropic-key",
    ),
    (
        "anthropic-admin-dotenv",
        f'# admin\nANTHROPIC_ADMIN_KEY="{ANTHROPIC_ADMIN}"\nLOG_LEVEL=debug\n',
        ANTHROPIC_ADMIN,
        "anthropic-key",
    ),
    (
        "openai-project-python",
        f'from openai import OpenAI\nclient = OpenAI(api_key="{OPENAI_PROJECT}")\n',
        OPENAI_PROJECT,
        "openai-key",
    ),
    (
        "openai-legacy-json-config",
        f'{{"model": "gpt-4o", "openai_key": "{OPENAI_LEGACY}", "temperature": 0.2}}',
        OPENAI_LEGACY,
        "openai-key",
    ),
    (
        "openai-service-account-yaml",
        f"providers:\n  openai:\n    key: {OPENAI_SERVICE}\n    org: acme\n",
        OPENAI_SERVICE,
        "openai-key",
    ),
    (
        "aws-key-id-credentials-file",
        f"[default]\naws_access_key_id = {AWS_KEY_ID}\nregion = eu-west-1\n",
        AWS_KEY_ID,
        "aws-access-key-id",
    ),
    (
        "aws-secret-credentials-file",
        f"[default]\naws_secret_access_key = {AWS_SECRET}\nregion = eu-west-1\n",
        AWS_SECRET,
        "aws-secret-key",
    ),
    (
        "aws-secret-export",
        f"$ export AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n$ aws s3 ls",
        AWS_SECRET,
        "aws-secret-key",
    ),
    (
        "aws-sts-json-key-id",
        f'{{"Credentials": {{"AccessKeyId": "{AWS_TEMP_KEY_ID}", "Expiration": "2026-11-24"}}}}',
        AWS_TEMP_KEY_ID,
        "aws-access-key-id",
    ),
    (
        "aws-sts-json-secret",
        f'{{"Credentials": {{"SecretAccessKey": "{AWS_SECRET}", "Expiration": "2026-11-24"}}}}',
        AWS_SECRET,
        "aws-secret-key",
    ),
    (
        "github-classic-in-remote-url",
        f"$ git remote -v\norigin\thttps://{GITHUB_CLASSIC}@github.com/acme/api.git (fetch)",
        GITHUB_CLASSIC,
        "github-token",
    ),
    (
        "github-oauth-gh-hosts-yaml",
        f"github.com:\n    user: octocat\n    oauth_token: {GITHUB_OAUTH}\n    git_protocol: ssh",
        GITHUB_OAUTH,
        "github-token",
    ),
    (
        "github-fine-grained-curl",
        f'curl -H "Authorization: token {GITHUB_FINE}" https://api.github.com/user',
        GITHUB_FINE,
        "github-token",
    ),
    (
        "github-actions-log",
        f"2026-11-24T09:15:02Z env:\n  GITHUB_TOKEN: {GITHUB_ACTIONS}\n  CI: true",
        GITHUB_ACTIONS,
        "github-token",
    ),
    (
        "slack-bot-python",
        f'from slack_sdk import WebClient\nclient = WebClient(token="{SLACK_BOT}")',
        SLACK_BOT,
        "slack-token",
    ),
    (
        "slack-user-dotenv",
        f"SLACK_USER_TOKEN={SLACK_USER}\nSLACK_CHANNEL=#deploys",
        SLACK_USER,
        "slack-token",
    ),
    (
        "slack-webhook-curl",
        "curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deployed\"}' "
        f"https://hooks.slack.com/services/{SLACK_WEBHOOK_PATH}",
        SLACK_WEBHOOK_PATH,
        "slack-webhook",
    ),
    (
        "google-key-firebase-js",
        f'const firebaseConfig = {{\n  apiKey: "{GOOGLE_KEY}",\n  projectId: "acme-prod",\n}};',
        GOOGLE_KEY,
        "google-api-key",
    ),
    (
        "stripe-live-traceback",
        "Traceback (most recent call last):\n"
        '  File "billing.py", line 42, in charge\n'
        "stripe.error.AuthenticationError: Invalid API Key provided: " + STRIPE_LIVE,
        STRIPE_LIVE,
        "stripe-key",
    ),
    (
        "stripe-restricted-env",
        f"STRIPE_RESTRICTED={STRIPE_RESTRICTED} ./run-report.sh",
        STRIPE_RESTRICTED,
        "stripe-key",
    ),
    (
        "jwt-in-logged-headers",
        f"DEBUG request headers: {{'Authorization': 'Bearer {JWT}', 'Accept': '*/*'}}",
        JWT,
        "jwt",
    ),
    (
        "jwt-in-cookie",
        f"< Set-Cookie: session={JWT}; Path=/; HttpOnly",
        JWT,
        "jwt",
    ),
    ("pem-rsa-cat", f"$ cat ~/.ssh/id_rsa\n{PEM_RSA}\n$ ", KEY_BODY, "private-key"),
    (
        "pem-openssh-in-json",
        json.dumps({"type": "tool_result", "content": f"Found key:\n{PEM_OPENSSH}\n"}),
        "QyNTUxOQAAACDx2R4f3Gq8nW7mK9pL2vT5xY1zA4bC7dE0fH3jK6lM9QAAAJgZ7Xh",
        "private-key",
    ),
    (
        "pem-ec",
        f"key.pem:\n{PEM_EC}\n",
        "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oDM2EJnYdH9e",
        "private-key",
    ),
    (
        "gcp-service-account-json",
        json.dumps(
            {
                "type": "service_account",
                "private_key": "-----BEGIN PRIVATE KEY-----\n"
                + KEY_BODY
                + "-----END PRIVATE KEY-----\n",
            }
        ),
        "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW",
        "private-key",
    ),
    (
        "postgres-url-traceback",
        "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server "
        "failed\n[SQL: SELECT 1]\n(Background on this error: "
        "postgresql://app:Tr0ub4dor&3x@db.internal:5432/prod)",
        "Tr0ub4dor&3x",
        "url-password",
    ),
    (
        "mongodb-srv-url",
        'MONGO_URI="mongodb+srv://admin:m0ng0-S3cret@cluster0.ab1cd.mongodb.net/app"',
        "m0ng0-S3cret",
        "url-password",
    ),
    (
        "mysql-url-in-env",
        "DATABASE_URL=mysql://root:r00tPa55@127.0.0.1:3306/shop\n",
        "r00tPa55",
        "url-password",
    ),
    (
        "access-token-query",
        '127.0.0.1 - - "GET /api/export?format=csv&access_token=ya29.a0AfH6SMBx7Kq2LmN9pQ4rS8'
        ' HTTP/1.1" 200',
        "ya29.a0AfH6SMBx7Kq2LmN9pQ4rS8",
        "google-oauth-token",
    ),
    (
        "presigned-url-signature",
        "https://acme.s3.amazonaws.com/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Date=20261124T091502Z&X-Amz-Expires=3600"
        "&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
        "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
        "url-param",
    ),
    (
        "bearer-opaque-curl",
        "curl -sS https://api.acme.dev/v2/jobs -H 'Authorization: Bearer tok_9Hq2Lm7Xp4Kz8Vr1Ws6Y'",
        "tok_9Hq2Lm7Xp4Kz8Vr1Ws6Y",
        "bearer-token",
    ),
    (
        "basic-auth-header",
        f"> GET /artifactory/api/repos HTTP/1.1\n> Authorization: Basic {BASIC_CREDENTIALS}\n",
        BASIC_CREDENTIALS,
        "basic-auth",
    ),
    (
        "db-password-dotenv",
        "DB_HOST=localhost\nDB_PASSWORD=hunter2-Pr0d\nDB_NAME=shop\n",
        "hunter2-Pr0d",
        "password",
    ),
    (
        "npm-token-export",
        'export NPM_TOKEN="npm_Lk9Qw2Er7Ty4Ui1Op6As3Df8Gh5Jk0Zx2Cv9B"\nnpm publish',
        "npm_Lk9Qw2Er7Ty4Ui1Op6As3Df8Gh5Jk0Zx2Cv9B",
        "npm-token",
    ),
    (
        "api-key-yaml",
        'service:\n  url: https://api.acme.dev\n  api_key: "a8f5f167f44f4964e6c998dee827110c"\n',
        "a8f5f167f44f4964e6c998dee827110c",
        "secret",
    ),
    (
        "password-json-with-spaces",
        '{"username": "alice", "password": "correct horse battery staple", "remember": true}',
        "correct horse battery staple",
        "password",
    ),
    (
        "docker-login-flag",
        'docker login registry.acme.dev -u ci --password "Dkr_P4ss-2024"',
        "Dkr_P4ss-2024",
        "password",
    ),
    (
        "mysql-password-flag",
        "mysql -h db -u root --password=S3cure#Pass shop < dump.sql",
        "S3cure#Pass",
        "password",
    ),
    (
        "client-secret-settings-py",
        'SOCIAL_AUTH_GITHUB_KEY = "Iv1.8a61f9b3a7aba766"\n'
        'SOCIAL_AUTH_GITHUB_CLIENT_SECRET = "4f9c1e7b2a8d6e3f0c5b9a7d1e4f8c2b"',
        "4f9c1e7b2a8d6e3f0c5b9a7d1e4f8c2b",
        "secret",
    ),
    (
        "curl-user-password",
        "curl -u admin:Adm1n-Passw0rd https://jenkins.acme.dev/api/json",
        "Adm1n-Passw0rd",
        "password",
    ),
]


@pytest.mark.parametrize(
    ("text", "secret", "kind"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS]
)
def test_secret_is_replaced_by_marker_of_its_kind(text, secret, kind):
    assert secret in text  # the fixture really contains it
    out = redact_text(text)
    assert secret not in out
    assert MARKER.format(kind=kind) in out
    assert redact_text(out) == out
    if text.startswith("{"):  # JSON documents stay JSON
        assert json.loads(out).keys() == json.loads(text).keys()


def test_there_are_plenty_of_realistic_secrets():
    assert len(SECRETS) >= 25
    assert len({kind for *_, kind in SECRETS}) >= 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASSWORD=hunter2-Pr0d\n", "DB_PASSWORD=[REDACTED:password]\n"),
        (
            f'export GITHUB_TOKEN="{GITHUB_CLASSIC}"',
            'export GITHUB_TOKEN="[REDACTED:github-token]"',
        ),
        ('api_key: "a8f5f167f44f"', 'api_key: "[REDACTED:secret]"'),
        ('{"password": "hunter2"}', '{"password": "[REDACTED:password]"}'),
        (
            "Authorization: Bearer tok_9Hq2Lm7Xp4Kz8",
            "Authorization: Bearer [REDACTED:bearer-token]",
        ),
        ("https://bob:s3cr3t@example.com/x", "https://bob:[REDACTED:url-password]@example.com/x"),
        ("/cb?code=1&token=abc123&state=x", "/cb?code=1&token=[REDACTED:url-param]&state=x"),
        (
            f"{PEM_EC}\nnext line",
            "-----BEGIN EC PRIVATE KEY-----[REDACTED:private-key]-----END EC PRIVATE KEY-----\n"
            "next line",
        ),
    ],
)
def test_context_around_the_secret_is_kept(text, expected):
    assert redact_text(text) == expected


NON_SECRETS = [
    "the password field is validated before the form is submitted",
    "token count 1234",
    "def get_token():\n    return self._token",
    "commit 3f2a9c0e4b5d6f7a8b9c0d1e2f3a4b5c6d7e8f90\nAuthor: Dev <dev@example.com>",
    "session 123e4567-e89b-12d3-a456-426614174000 started",
    '{"usage": {"input_tokens": 1234, "output_tokens": 567, "cache_read_input_tokens": 0}}',
    "response = client.messages.create(model=model, max_tokens=4096)",
    'tokenizer = AutoTokenizer.from_pretrained("gpt2")',
    'password = request.form["password"]',
    "token = get_token()",
    "def login(username: str, password: str) -> Token:",
    "api_key: Optional[str] = None",
    "password: ${DB_PASSWORD}\ntoken: $GITHUB_TOKEN",
    'export GITHUB_TOKEN="${GITHUB_TOKEN:-}"\npassword: "{{ .Values.db.password }}"',
    'password = os.getenv("DB_PASSWORD")\nclient = OpenAI(api_key=settings.OPENAI_API_KEY)',
    "PWD=/home/dev/project\nOLDPWD=/home/dev",
    "See https://github.com/anthropics/claude-code/issues/1234 for details.",
    "image: python@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Please rotate the secret key before deploying.",
    "Basic authentication is required; use Basic Auth over TLS.",
    "The Bearer token must be sent in the Authorization header.",
    "git clone git@github.com:acme/api.git && cd api",
    "DATABASE_URL=postgres://localhost:5432/app",
    "Forgot it? Visit https://example.com/reset-password?lang=en",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl dev@laptop",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n",
    "bypass_cache=true compass: north password_required: false",
    "pip install scikit-learn; tool_use_id=toolu_01A09q90qw90lq917835lq9",
    "if token_type == 'refresh': raise ValueError('tokens expired')",
    "| secret | type |\n|---|---|\n| no | bool |",
]


@pytest.mark.parametrize("text", NON_SECRETS)
def test_ordinary_text_and_code_survive(text):
    assert redact_text(text) == text


def test_there_are_plenty_of_non_secrets():
    assert len(NON_SECRETS) >= 15


def test_redact_recurses_keeping_keys_and_other_types():
    payload = {
        "session_id": "123e4567-e89b-12d3-a456-426614174000",
        "hook_event_name": "PostToolUse",
        "tool_input": {
            "prompt": f"deploy with ANTHROPIC_API_KEY={ANTHROPIC}",
            "retries": 3,
            "ratio": 0.5,
            "dry_run": False,
            "parent": None,
        },
        "tool_response": [
            {"type": "text", "text": f"token={GITHUB_CLASSIC}"},
            ("tuple", JWT, 7),
            [[f"Authorization: Bearer {SLACK_BOT}"]],
            {"headers": {"Authorization": f"Basic {BASIC_CREDENTIALS}"}},
        ],
        "raw": b"bytes are left alone",
    }
    before = json.dumps(payload, default=repr)
    out = redact(payload)
    assert json.dumps(payload, default=repr) == before  # input untouched
    assert out["session_id"] == payload["session_id"]
    assert out["hook_event_name"] == "PostToolUse"  # values without secrets are kept
    assert list(out) == list(payload)  # keys kept, in order
    assert out["tool_input"]["prompt"] == "deploy with ANTHROPIC_API_KEY=[REDACTED:anthropic-key]"
    assert out["tool_input"]["retries"] == 3 and out["tool_input"]["ratio"] == 0.5
    assert out["tool_input"]["dry_run"] is False and out["tool_input"]["parent"] is None
    assert out["tool_response"][0] == {"type": "text", "text": "token=[REDACTED:github-token]"}
    assert out["tool_response"][1] == ("tuple", "[REDACTED:jwt]", 7)
    assert isinstance(out["tool_response"][1], tuple)
    assert out["tool_response"][2] == [["Authorization: Bearer [REDACTED:slack-token]"]]
    assert out["tool_response"][3] == {"headers": {"Authorization": "Basic [REDACTED:basic-auth]"}}
    assert out["raw"] is payload["raw"]


def test_redact_uses_secret_naming_keys_as_context():
    env = {
        "DB_PASSWORD": "correct horse battery staple",
        "api_key": "k-7f3a",
        "GITHUB_TOKEN": GITHUB_CLASSIC,
        "private_key": PEM_EC,
        "x-api-key": "a8f5f167f44f4964",
        "NPM_TOKEN": "${NPM_TOKEN}",
        "remember_password": "true",
        "token_count": "1234",
        "tokens": "not a secret name",
        "password": "",
        "HOME": "/home/dev",
    }
    out = redact({"tool_input": {"env": env, "retries": 2}})
    assert out == {
        "tool_input": {
            "env": {
                "DB_PASSWORD": "[REDACTED:password]",
                "api_key": "[REDACTED:secret]",
                "GITHUB_TOKEN": "[REDACTED:github-token]",
                "private_key": "[REDACTED:private-key]",
                "x-api-key": "[REDACTED:secret]",
                "NPM_TOKEN": "${NPM_TOKEN}",
                "remember_password": "true",
                "token_count": "1234",
                "tokens": "not a secret name",
                "password": "",
                "HOME": "/home/dev",
            },
            "retries": 2,
        }
    }
    assert redact(out) == out


def test_redact_leaves_scalars_and_keeps_tuple_types():
    Pair = namedtuple("Pair", "name value")
    assert redact(42) == 42 and redact(None) is None and redact(1.5) == 1.5
    assert redact(f"key {AWS_KEY_ID}") == "key [REDACTED:aws-access-key-id]"
    pair = redact(Pair("k", GOOGLE_KEY))
    assert isinstance(pair, Pair) and pair.value == "[REDACTED:google-api-key]"


def test_redact_handles_deep_nesting_and_shared_lists():
    deep: object = f"password={STRIPE_LIVE}"
    for _ in range(5000):
        deep = [deep]
    out = redact(deep)
    for _ in range(5000):
        out = out[0]
    assert out == "password=[REDACTED:stripe-key]"
    shared = [JWT]
    cyclic: list = [shared, shared]
    cyclic.append(cyclic)
    result = redact(cyclic)
    assert result[0] == ["[REDACTED:jwt]"] and result[0] is result[1] and result[2] is result


@pytest.mark.parametrize("indent", [None, 2])
def test_redacting_serialized_json_keeps_it_valid(indent):
    obj = {
        "hook_event_name": "PostToolUse",
        "tool_input": {"command": f'curl -H "Authorization: Bearer {JWT}" https://x'},
        "tool_response": {
            "content": [{"type": "text", "text": text} for _, text, _, _ in SECRETS],
            "env": "DB_PASSWORD=hunter2\nGITHUB_TOKEN=" + GITHUB_CLASSIC + "\tNEXT=1",
            "quoted": 'password="with \\"escaped\\" quotes" and token=\'single\'',
        },
    }
    for text in (json.dumps(obj, indent=indent), json.dumps(obj, ensure_ascii=False)):
        out = redact_text(text)
        back = json.loads(out)
        for _, _, secret, _ in SECRETS:
            assert secret not in out
        assert back["tool_response"]["env"].startswith(
            "DB_PASSWORD=[REDACTED:password]\nGITHUB_TOKEN="
        )
        assert back["tool_response"]["env"].endswith("\tNEXT=1")
    # JSON inside a JSON string (double escaping) stays valid too
    nested = json.dumps({"payload": json.dumps(obj)})
    assert (
        json.loads(json.loads(redact_text(nested))["payload"])["hook_event_name"] == "PostToolUse"
    )


def test_load_patterns(tmp_path):
    path = tmp_path / "patterns.txt"
    path.write_text(
        "# internal ticket-system tokens\n"
        "\n"
        r"TKT-[0-9]{6}-[a-f0-9]{12}"
        "\n"
        "   # indented comment\n"
        r"employee_id=(?P<secret>E\d{5})"
        "\n",
        encoding="utf-8",
    )
    patterns = load_patterns(path)
    assert [p.pattern for p in patterns] == [
        r"TKT-[0-9]{6}-[a-f0-9]{12}",
        r"employee_id=(?P<secret>E\d{5})",
    ]
    text = "ticket TKT-123456-0123456789ab for employee_id=E12345, DB_PASSWORD=x1"
    assert redact_text(text, patterns) == (
        "ticket [REDACTED:custom] for employee_id=[REDACTED:custom],"
        " DB_PASSWORD=[REDACTED:password]"
    )
    assert redact({"k": [text]}, patterns) == {"k": [redact_text(text, patterns)]}
    assert load_patterns(str(path)) == patterns  # str paths work too


def test_read_patterns_keeps_the_good_lines_and_names_each_bad_one(tmp_path):
    path = tmp_path / "patterns.txt"
    path.write_text("emp-(?P<secret>\\d{6})\nfoo(bar\n\nx*\nTKT-\\d+\n", encoding="utf-8")
    patterns, problems = read_patterns(path)
    assert [p.pattern for p in patterns] == [r"emp-(?P<secret>\d{6})", r"TKT-\d+"]
    assert [p.split(": ")[1] for p in problems] == ["line 2", "line 4"]
    assert "invalid pattern `foo(bar`" in problems[0] and "empty string" in problems[1]
    assert redact_text("emp-123456 TKT-9", patterns) == "emp-[REDACTED:custom] [REDACTED:custom]"


def test_load_patterns_rejects_a_bad_line_naming_it(tmp_path):
    path = tmp_path / "patterns.txt"
    path.write_text("# ok\nfoo\n\nbar(unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 4"):
        load_patterns(path)
    path.write_text("x+\ny*\n", encoding="utf-8")  # would match everywhere
    with pytest.raises(ValueError, match=r"line 2"):
        load_patterns(path)


def test_large_input_with_a_secret_near_the_end():
    chunk = "INFO worker 7 processed batch 12345 in 38ms; token count 1234 ok\n"
    text = chunk * (20_000_000 // len(chunk)) + f"export OPENAI_API_KEY={OPENAI_PROJECT}\n" + chunk
    assert len(text) > 20_000_000
    out = redact_text(text)
    assert OPENAI_PROJECT not in out
    assert out.endswith("export OPENAI_API_KEY=[REDACTED:openai-key]\n" + chunk)
    assert len(out) == len(text) - len(OPENAI_PROJECT) + len("[REDACTED:openai-key]")


def test_empty_and_non_string_text():
    assert redact_text("") == ""
    assert redact_text(None) is None  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------
FRAGMENTS = [
    "password",
    "TOKEN",
    "api_key",
    "secret",
    "pass",
    "_pwd",
    "private_key",
    "Authorization",
    "Bearer ",
    "Basic ",
    "=",
    ": ",
    " = ",
    '"',
    "'",
    "\\",
    "\\n",
    "\n",
    " ",
    ",",
    ";",
    ")",
    "]",
    "[",
    "{",
    "$",
    "${X}",
    "&",
    "?",
    "@",
    "://",
    "user:pw@host",
    "-u ",
    "--password ",
    "a:b",
    "abc",
    "XYZ123",
    "true",
    "None",
    "str",
    "[REDACTED:secret]",
    "[REDACTED:",
    "-",
    "_",
    ".",
    "k",
    "z",
    "J",
    "ey",
    "sk-",
    ANTHROPIC,
    OPENAI_PROJECT,
    GITHUB_CLASSIC,
    GITHUB_FINE,
    AWS_KEY_ID,
    AWS_SECRET,
    GOOGLE_KEY,
    SLACK_BOT,
    STRIPE_LIVE,
    JWT,
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA",
    "hooks.slack.com/services/",
    "T0/B0/XXXXXXXXX",
]
secretish_text = st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join)
any_text = st.one_of(st.text(), secretish_text)
slow = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow
@given(any_text)
def test_redact_text_never_raises_and_is_idempotent(text):
    once = redact_text(text)
    assert isinstance(once, str)
    assert redact_text(once) == once


keys = st.sampled_from(["password", "api_key", "GITHUB_TOKEN", "tokens", "text"]) | st.text(
    max_size=8
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | any_text,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
    max_leaves=12,
)


@slow
@given(json_values)
def test_serialized_json_stays_valid_and_redact_is_idempotent(obj):
    for text in (json.dumps(obj), json.dumps(json.dumps(obj))):
        out = redact_text(text)
        json.loads(out)
        assert redact_text(out) == out
    once = redact(obj)
    json.dumps(once)
    assert redact(once) == once


def test_marker_format():
    assert MARKER.format(kind="anthropic-key") == "[REDACTED:anthropic-key]"
    assert re.fullmatch(r"\[REDACTED:\{kind\}\]", MARKER)


def test_secrets_used_as_dict_keys_are_redacted_and_no_value_is_lost():
    payload = {"owners": {GITHUB_CLASSIC: "ci", GITHUB_OAUTH: "bot", "plain": "kept"}}
    out = redact(payload)
    assert out == {
        "owners": {
            "[REDACTED:github-token]": "ci",
            "[REDACTED:github-token] (2)": "bot",
            "plain": "kept",
        }
    }
    assert redact(out) == out


def test_a_text_seen_again_is_redacted_from_memory_which_stays_bounded():
    from recorder.redaction import engine

    text = f"deploy with {ANTHROPIC} please"
    first = redact_text(text)
    assert ANTHROPIC not in first and redact_text(text) is first  # the remembered result
    custom = [re.compile(r"please")]
    assert redact_text(text, custom) == first.replace("please", "[REDACTED:custom]")
    for i in range(engine.REMEMBERED * 2):
        redact_text(f"note {i} {GITHUB_CLASSIC}")
    assert len(engine._REDACTED) <= engine.REMEMBERED
    long = f"{GITHUB_CLASSIC} " * (engine.REMEMBERED_CHARS // 10)
    assert GITHUB_CLASSIC not in redact_text(long) and (long,) not in engine._REDACTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "gpg --batch --passphrase Qm9Xk2Lp7Vn4Rz8T -d backup.gpg",
            "gpg --batch --passphrase [REDACTED:password] -d backup.gpg",
        ),
        ("mysql --password hunter2 -h db", "mysql --password [REDACTED:password] -h db"),
        (
            "sent the header Bearer AbCdEfGhIjKlMnOpQrStUvWxYzAbCd",
            "sent the header Bearer [REDACTED:bearer-token]",
        ),
        # words after "Bearer" are no token
        ("Bearer authentication is used here", "Bearer authentication is used here"),
        ("handled by Bearer AuthenticationHandler", "handled by Bearer AuthenticationHandler"),
    ],
)
def test_flag_passphrases_and_letter_only_bearer_tokens(text, expected):
    assert redact_text(text) == expected


def test_an_authorization_header_in_a_dict_is_a_secret_whatever_its_shape():
    found = redact(
        {
            "headers": {"Authorization": "Bearer ZyXwVuTsRqPoNmLkJiHgFeDcBa"},
            "raw": {"Authorization": "Zq8Xv2Lm9Nk4Pr7Tw3Ys6Bd", "Proxy-Authorization": "abc"},
            "authorization_url": "https://login.example.com/authorize",
        }
    )
    assert found == {
        "headers": {"Authorization": "Bearer [REDACTED:bearer-token]"},
        "raw": {"Authorization": "[REDACTED:secret]", "Proxy-Authorization": "[REDACTED:secret]"},
        "authorization_url": "https://login.example.com/authorize",
    }

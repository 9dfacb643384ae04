"""Realistic secret shapes, each in the context it is usually written in.

``SHAPES`` is a list of (name, text, secret): ``text`` holds ``secret`` once; a
redaction leaks when any 12-character piece of ``secret`` survives. Bodies are
made up (deterministic pseudo-random), shaped like the vendors' documented formats.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.parse

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"


def body(seed: str, n: int, alphabet: str = ALNUM) -> str:
    """``n`` characters of ``alphabet``, the same for the same seed."""
    out, counter = [], 0
    while len(out) < n:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return "".join(out[:n])


def pieces(secret: str, size: int = 12) -> set[str]:
    """Every ``size``-character piece of ``secret`` (the whole if shorter)."""
    if len(secret) <= size:
        return {secret}
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def _t(prefix: str, n: int, alphabet: str = ALNUM, suffix: str = "") -> str:
    return prefix + body(prefix + str(n), n, alphabet) + suffix


# (name, template with {s}, secret)
_TOKENS: list[tuple[str, str, str]] = [
    # chat and collaboration
    ("slack-bot", "SLACK_BOT={s}", "xoxb-" + body("sb", 12, "0123456789") + "-" + body("sb2", 24)),
    ("slack-user", "token: {s}", "xoxp-" + body("sp", 12, "0123456789") + "-" + body("sp2", 32)),
    (
        "slack-app",
        "app level token {s} for socket mode",
        "xapp-1-A0"
        + body("xa", 9, UPPER)
        + "-"
        + body("xa2", 13, "0123456789")
        + "-"
        + body("xa3", 64, HEX),
    ),
    (
        "slack-client",
        "curl -H 'Cookie: d=x' --data token={s}",
        "xoxc-" + body("xc", 12, "0123456789") + "-" + body("xc2", 40),
    ),
    ("slack-cookie-d", "d={s}", "xoxd-" + body("xd", 60, URLSAFE)),
    ("slack-config", "SLACK_CONFIG_TOKEN {s}", "xoxe.xoxp-1-" + body("xe", 80)),
    (
        "slack-webhook",
        "post to https://hooks.slack.com/services/{s}",
        "T0" + body("sw", 8, UPPER) + "/B0" + body("sw2", 8, UPPER) + "/" + body("sw3", 24),
    ),
    (
        "discord-bot",
        "client.run('{s}')",
        "MTA"
        + body("db", 23, ALNUM)
        + "."
        + body("db2", 6, URLSAFE)
        + "."
        + body("db3", 38, URLSAFE),
    ),
    (
        "discord-webhook",
        "https://discord.com/api/webhooks/1234567890123/{s}",
        body("dw", 68, URLSAFE),
    ),
    (
        "telegram-url",
        "curl https://api.telegram.org/bot123456789:{s}/sendMessage",
        "AA" + body("tg", 33, URLSAFE),
    ),
    ("telegram-bare", "TELEGRAM = {s}", "7012345678:AA" + body("tg2", 33, URLSAFE)),
    ("linear", "linear api {s}", _t("lin_api_", 40)),
    ("atlassian", "jira token {s}", _t("ATATT3xFfGF0", 180, URLSAFE + "=")),
    ("bitbucket", "app password {s}", _t("ATBB", 32)),
    ("notion", "Notion integration {s}", _t("ntn_", 46)),
    ("notion-legacy", "notion: {s}", _t("secret_", 43)),
    ("airtable", "airtable {s}", "pat" + body("at", 14) + "." + body("at2", 64, HEX)),
    ("typeform", "typeform {s}", _t("tfp_", 44)),
    ("figma", "FIGMA {s}", _t("figd_", 40, URLSAFE)),
    ("intercom", "intercom {s}", "dG9rOi" + body("ic", 54)),
    # code hosting, packages, CI
    ("github-classic", "git clone https://x:{s}@github.com/o/r", _t("ghp_", 36)),
    ("github-oauth", "gh auth {s}", _t("gho_", 36)),
    ("github-app", "installation {s}", _t("ghs_", 36)),
    ("github-refresh", "refresh {s}", _t("ghr_", 76)),
    ("github-fine", "GITHUB_TOKEN={s}", _t("github_pat_11A", 70, ALNUM + "_")),
    ("gitlab-pat", "PRIVATE-TOKEN: {s}", _t("glpat-", 20, URLSAFE)),
    ("gitlab-deploy", "gitlab deploy {s}", _t("gldt-", 20, URLSAFE)),
    ("gitlab-trigger", "trigger {s}", _t("glptt-", 40, HEX)),
    ("gitlab-runner", "runner {s}", _t("glrt-", 20, URLSAFE)),
    ("gitlab-registration", "register {s}", _t("GR1348941", 20, URLSAFE)),
    ("gitlab-feed", "feed {s}", _t("glft-", 20, URLSAFE)),
    ("npm", "//registry.npmjs.org/ uses {s}", _t("npm_", 36)),
    ("npmrc-auth", "_auth = {s}", base64.b64encode(b"deploy:" + body("npa", 20).encode()).decode()),
    ("pypi", "twine upload -p {s}", "pypi-AgEIcHlwaS5vcmc" + body("pp", 120, URLSAFE)),
    ("rubygems", "GEM_HOST_API_KEY {s}", _t("rubygems_", 48, HEX)),
    ("nuget", "nuget push -k {s}", _t("oy2", 43, LOWER)),
    ("clojars", "clojars {s}", _t("CLOJARS_", 60, LOWER)),
    ("jfrog", "artifactory {s}", _t("AKCp", 69)),
    ("circleci", "circle {s}", "CCIPAT_" + body("cc", 22) + "_" + body("cc2", 40, HEX)),
    ("buildkite", "buildkite {s}", _t("bkua_", 40, HEX)),
    ("sourcegraph", "src {s}", "sgp_" + body("sg", 16, HEX) + "_" + body("sg2", 40, HEX)),
    ("octopus", "octopus {s}", _t("API-", 26, UPPER)),
    ("pulumi", "PULUMI {s}", _t("pul-", 40, HEX)),
    ("prefect", "prefect {s}", _t("pnu_", 36)),
    ("postman", "postman {s}", "PMAK-" + body("pm", 24, HEX) + "-" + body("pm2", 34, HEX)),
    ("readme", "readme {s}", _t("rdme_", 70, LOWER)),
    ("terraform", "credentials {s}", body("tf", 14) + ".atlasv1." + body("tf2", 67, URLSAFE)),
    (
        "harness",
        "harness {s}",
        "pat." + body("hn", 22, URLSAFE) + "." + body("hn2", 24, HEX) + "." + body("hn3", 20),
    ),
    ("infracost", "infracost {s}", _t("ico-", 32)),
    (
        "launchdarkly",
        "ld {s}",
        "api-"
        + body("ld1", 8, HEX)
        + "-"
        + body("ld2", 4, HEX)
        + "-"
        + body("ld3", 4, HEX)
        + "-"
        + body("ld4", 4, HEX)
        + "-"
        + body("ld5", 12, HEX),
    ),
    # AI providers
    ("anthropic", "ANTHROPIC_API_KEY={s}", "sk-ant-api03-" + body("an", 95, URLSAFE) + "AA"),
    ("anthropic-admin", "admin {s}", "sk-ant-admin01-" + body("ana", 93, URLSAFE)),
    ("openai-project", "client = OpenAI(api_key='{s}')", "sk-proj-" + body("op", 120, URLSAFE)),
    ("openai-service", "svc {s}", "sk-svcacct-" + body("os", 100, URLSAFE)),
    ("openai-legacy", "openai {s}", "sk-" + body("ol", 48)),
    ("huggingface", "huggingface-cli login --token {s}", _t("hf_", 34)),
    ("huggingface-org", "org {s}", _t("api_org_", 34)),
    ("groq", "GROQ {s}", _t("gsk_", 52)),
    ("replicate", "REPLICATE {s}", _t("r8_", 37)),
    ("perplexity", "pplx {s}", _t("pplx-", 48)),
    ("xai", "grok {s}", _t("xai-", 80)),
    ("langsmith", "LANGCHAIN {s}", "lsv2_pt_" + body("ls", 32, HEX) + "_" + body("ls2", 10, HEX)),
    ("pinecone", "pinecone {s}", _t("pcsk_", 60, ALNUM + "_")),
    ("fireworks", "fireworks {s}", _t("fw_", 24)),
    # cloud and hosting
    ("aws-id", "aws configure set aws_access_key_id {s}", "AKIA" + body("ak", 16, UPPER)),
    ("aws-sts-id", "sts {s}", "ASIA" + body("as", 16, UPPER)),
    ("aws-secret-env", "AWS_SECRET_ACCESS_KEY={s}", body("aws", 40, B64)),
    (
        "aws-secret-beside-id",
        "keys: AKIA" + body("ak2", 16, UPPER) + " {s}",
        body("aws2", 30, B64) + "Ab1/" + body("aws3", 6, B64),
    ),
    ("aws-session", "AWS_SESSION_TOKEN={s}", "IQoJb3JpZ2luX2Vj" + body("ast", 300, B64)),
    ("google-api", "maps?key={s}", "AIza" + body("gk", 35, URLSAFE)),
    ("google-oauth-access", "Authorization header ya29 {s}", "ya29.a0" + body("ya", 150, URLSAFE)),
    ("google-client-secret", "client_secret.json has {s}", "GOCSPX-" + body("gc", 28, URLSAFE)),
    ("google-refresh", "refresh_token {s}", "1//0" + body("gr", 100, URLSAFE)),
    (
        "azure-storage",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net",
        body("az", 86, B64) + "==",
    ),
    (
        "azure-servicebus",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={s}",
        body("asb", 43, B64) + "=",
    ),
    (
        "azure-sas",
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig={s}",
        body("sas", 43, B64).replace("/", "%2F") + "%3D",
    ),
    (
        "azure-client-secret",
        "AZURE_CLIENT_SECRET {s}",
        body("acs", 3) + "8Q~" + body("acs2", 34, URLSAFE + ".~"),
    ),
    ("digitalocean", "doctl auth init -t {s}", _t("dop_v1_", 64, HEX)),
    ("digitalocean-oauth", "do oauth {s}", _t("doo_v1_", 64, HEX)),
    ("alibaba", "aliyun {s}", _t("LTAI", 20)),
    ("tencent", "tencent {s}", _t("AKID", 32)),
    ("heroku", "heroku {s}", _t("HRKU-", 60, URLSAFE)),
    ("fly", "fly deploy -t {s}", _t("fo1_", 39, URLSAFE)),
    ("fly-macaroon", "FlyV1 {s}", _t("fm2_", 200, B64)),
    ("netlify", "netlify {s}", _t("nfp_", 36)),
    ("render", "render {s}", _t("rnd_", 32)),
    ("supabase", "supabase {s}", _t("sbp_", 40, HEX)),
    ("supabase-secret", "SUPABASE {s}", _t("sb_secret_", 32, URLSAFE)),
    ("planetscale", "pscale {s}", _t("pscale_tkn_", 43, URLSAFE)),
    ("planetscale-pw", "mysql password {s}", _t("pscale_pw_", 43, URLSAFE)),
    ("doppler", "DOPPLER {s}", _t("dp.st.prd.", 40)),
    ("databricks", "databricks {s}", _t("dapi", 32, HEX)),
    (
        "dynatrace",
        "dynatrace {s}",
        "dt0c01." + body("dt", 24, UPPER) + "." + body("dt2", 64, UPPER),
    ),
    ("dropbox", "dropbox {s}", _t("sl.", 140, URLSAFE)),
    (
        "cloudflare-origin",
        "origin ca {s}",
        "v1.0-" + body("cf", 24, HEX) + "-" + body("cf2", 146, HEX),
    ),
    (
        "tailscale",
        "tailscale up --authkey {s}",
        "tskey-auth-" + body("ts", 12) + "-" + body("ts2", 32),
    ),
    ("grafana-cloud", "grafana {s}", _t("glc_", 60, B64)),
    ("grafana-sa", "grafana sa {s}", "glsa_" + body("gs", 32) + "_" + body("gs2", 8, HEX)),
    ("newrelic", "NEW_RELIC {s}", _t("NRAK-", 27, UPPER)),
    ("sentry-token", "sentry-cli {s}", _t("sntrys_", 80, B64)),
    ("vault", "VAULT {s}", _t("hvs.", 90, URLSAFE)),
    ("vault-batch", "batch {s}", _t("hvb.", 130, URLSAFE)),
    ("age", "age -d -i key.txt # {s}", _t("AGE-SECRET-KEY-1", 58, UPPER)),
    (
        "mapbox-secret",
        "mapbox {s}",
        "sk.eyJ" + body("mb", 60, URLSAFE) + "." + body("mb2", 22, URLSAFE),
    ),
    ("facebook", "fb {s}", _t("EAACEdEose0cBA", 120)),
    ("twitter-bearer", "twitter {s}", "AAAAAAAAAAAAAAAAAAAAA" + body("tw", 80)),
    (
        "firebase-fcm",
        "fcm server key {s}",
        body("fb", 11, URLSAFE) + ":APA91b" + body("fb2", 134, URLSAFE),
    ),
    # payments and messaging
    ("stripe-secret", "Stripe.api_key = {s}", _t("sk_live_", 99)),
    ("stripe-restricted", "rk {s}", _t("rk_live_", 99)),
    ("stripe-webhook", "STRIPE_WEBHOOK {s}", _t("whsec_", 32)),
    ("twilio-key", "twilio api key {s}", _t("SK", 32, HEX)),
    (
        "sendgrid",
        "sendgrid {s}",
        "SG." + body("sgk", 22, URLSAFE) + "." + body("sgk2", 43, URLSAFE),
    ),
    ("sendinblue", "brevo {s}", "xkeysib-" + body("sib", 64, HEX) + "-" + body("sib2", 16)),
    ("mailgun", "api:{s}", _t("key-", 32, HEX)),
    ("mailchimp", "mailchimp {s}", body("mc", 32, HEX) + "-us14"),
    ("shopify", "shopify {s}", _t("shpat_", 32, HEX)),
    ("shopify-shared", "shopify shared {s}", _t("shpss_", 32, HEX)),
    ("square", "square {s}", _t("sq0atp-", 22, URLSAFE)),
    ("square-secret", "square secret {s}", _t("sq0csp-", 43, URLSAFE)),
    ("shippo", "shippo {s}", _t("shippo_live_", 40, HEX)),
    ("easypost", "easypost {s}", _t("EZAK", 54)),
    ("flutterwave", "flw {s}", _t("FLWSECK_TEST-", 32, HEX, "-X")),
    ("duffel", "duffel {s}", _t("duffel_live_", 43, URLSAFE)),
    ("gocardless", "gocardless {s}", _t("live_", 40, URLSAFE)),
    (
        "braintree",
        "braintree {s}",
        "access_token$production$" + body("bt", 16, LOWER) + "$" + body("bt2", 32, HEX),
    ),
    ("frameio", "frame {s}", _t("fio-u-", 64, URLSAFE)),
    ("adafruit", "adafruit {s}", _t("aio_", 28)),
    ("scalingo", "scalingo {s}", _t("tk-us-", 48, URLSAFE)),
    # generic shapes the core engine knows
    (
        "jwt",
        "id_token {s}",
        "eyJhbGciOiJIUzI1NiJ9." + body("jwt", 60, URLSAFE) + "." + body("jwt2", 43, URLSAFE),
    ),
    ("bearer", "curl -H 'Authorization: Bearer {s}'", body("br", 40, URLSAFE) + "9"),
    (
        "basic",
        "Authorization: Basic {s}",
        base64.b64encode(b"admin:" + body("ba", 18).encode()).decode(),
    ),
    (
        "pem-rsa",
        "-----BEGIN RSA PRIVATE KEY-----\n{s}\n-----END RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEA" + body("pem", 200, B64),
    ),
    (
        "pem-openssh",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{s}\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEA" + body("pem2", 200, B64),
    ),
    ("password-env", "DB_PASSWORD={s}", body("pw", 20, ALNUM + "!@#")),
    ("password-yaml", "  password: {s}", body("pwy", 24)),
    ("password-json", '{{"password": "{s}"}}', body("pwj", 24)),
    ("secret-env", "CLIENT_SECRET={s}", body("cs", 32)),
    ("api-key-env", "DD_API_KEY={s}", body("dd", 32, HEX)),
    ("dd-app-key", "DD_APP_KEY={s}", body("dda", 40, HEX)),
    ("signing-key", "JWT_SIGNING_KEY={s}", body("sk", 48, B64)),
    ("encryption-key", "DATA_ENCRYPTION_KEY={s}", body("ek", 44, B64)),
    ("master-key", "RAILS_MASTER_KEY={s}", body("rmk", 32, HEX)),
    ("token-flag", "deploy --api-token {s}", body("tf3", 32)),
    ("password-flag", "psql --password={s}", body("pf", 20)),
    ("curl-user", "curl -u admin:{s} https://x", body("cu", 20)),
]

# The shapes issue 15 found written: README categories and common formats.
_CONTEXTS: list[tuple[str, str, str]] = [
    (
        "url-password-slash",
        "postgres://app:{s}@db.internal:5432/app",
        "p4ss/w0rd/" + body("u1", 12),
    ),
    ("url-password-at", "mongodb://root:{s}@cluster0.example.net/db", "p@ssw0rd@" + body("u2", 12)),
    ("url-password-hash", "redis://default:{s}@cache.local:6379", "pa#ss" + body("u3", 14)),
    ("url-password-encoded", "amqp://guest:{s}@rabbit:5672", "p%40ss%2F" + body("u4", 14)),
    ("url-encoded-url", "next=https%3A%2F%2Fadmin%3A{s}%40internal.example.com%2F", body("u5", 16)),
    ("url-encoded-param", "redirect?to=%2Fapi%3Ftoken%3D{s}%26x%3D1", body("u6", 24)),
    (
        "password-spaces",
        "password: {s}\nuser: admin",
        "correct horse battery " + body("ps", 8, LOWER),
    ),
    ("password-backslash", "set DB_PASSWORD=C:\\{s}", "Users\\svc\\" + body("bs", 14)),
    (
        "netrc",
        "machine api.heroku.com\n  login me@example.com\n  password {s}",
        body("nr", 32, HEX),
    ),
    ("kube-env", "env:\n- name: DB_PASSWORD\n  value: {s}\n", body("ke", 24)),
    ("kube-env-token", '- name: "API_TOKEN"\n  value: "{s}"', body("ke2", 28)),
    ("mysql-p", "mysql -u root -p{s} appdb", body("my", 18)),
    ("mysqldump-p", "mysqldump -h db -uadmin -p{s} shop > dump.sql", body("md", 18)),
    ("sshpass", "sshpass -p {s} ssh deploy@host", body("ssp", 18)),
    ("sshpass-joined", "sshpass -p{s} scp a host:", body("ssp2", 18)),
    ("cookie", "Cookie: sessionid={s}; csrftoken=abc", body("ck", 32, LOWER)),
    ("set-cookie", "Set-Cookie: __Host-session={s}; Path=/; Secure", body("sck", 40, URLSAFE)),
    (
        "kubeconfig",
        "users:\n- name: admin\n  user:\n    client-key-data: {s}",
        "LS0tLS1CRUdJTi" + body("kc", 120, B64),
    ),
    (
        "docker-auths",
        '{{"auths": {{"ghcr.io": {{"auth": "{s}"}}}}}}',
        base64.b64encode(b"me:" + body("da", 30).encode()).decode(),
    ),
    ("sentry-dsn", "SENTRY_DSN=https://{s}@o12345.ingest.sentry.io/67890", body("sd", 32, HEX)),
    ("sentry-dsn-bare", "dsn: 'https://{s}@sentry.example.com/2'", body("sd2", 32, HEX)),
    ("azure-conn-kv", "Server=tcp:x.database.windows.net;Password={s};", body("acp", 20)),
    ("jwk-private", '{{"kty": "RSA", "d": "{s}"}}', body("jwk", 86, URLSAFE)),
    (
        "base64-anthropic",
        "echo {s} | base64 -d",
        base64.b64encode(("sk-ant-api03-" + body("b64a", 60, URLSAFE)).encode()).decode(),
    ),
    ("base64-github", "GH64={s}", base64.b64encode(("ghp_" + body("b64g", 36)).encode()).decode()),
    (
        "base64-aws",
        "creds: {s}",
        base64.b64encode(("AKIA" + body("b64w", 16, UPPER)).encode()).decode(),
    ),
    (
        "base64-password",
        "secret.yaml data: {s}",
        base64.b64encode(("password=" + body("b64p", 20)).encode()).decode(),
    ),
    ("private-key-hex", "PRIVATE_KEY={s}", body("pk", 64, HEX)),
    ("webhook-secret", "WEBHOOK_SECRET: {s}", body("whs", 32)),
    ("session-key", "session_key = '{s}'", body("sess", 40)),
]

SHAPES: list[tuple[str, str, str]] = [
    (name, template.replace("{s}", secret).replace("{{", "{").replace("}}", "}"), secret)
    for name, template, secret in _TOKENS + _CONTEXTS
]

# Common ones also tried URL-encoded and base64-encoded, alone in a sentence.
COMMON = (
    "anthropic", "openai-project", "github-classic", "github-fine", "aws-id", "slack-bot",
    "stripe-secret", "gitlab-pat", "huggingface", "npm", "google-api", "sendgrid",
)  # fmt: skip


def encoded_forms() -> list[tuple[str, str, str]]:
    """(name, text, secret) for the URL-encoded and base64 forms of the common shapes."""
    found = []
    by_name = {name: (text, secret) for name, text, secret in SHAPES}
    for name in COMMON:
        text, secret = by_name[name]
        quoted = urllib.parse.quote(text, safe="")
        found.append((f"{name}-url-encoded", f"GET /login?next={quoted} HTTP/1.1", secret))
        encoded = base64.b64encode(secret.encode()).decode()
        found.append((f"{name}-base64", f"value: {encoded}\n", encoded))
    return found

// agent-runs dashboard: draws the charts from the page's embedded data, submits the
// filters when they change, and runs the "live" mode: while it is on, it polls a tiny
// status endpoint every few seconds and re-renders the panels whenever the recorder
// has written something new (a subagent started or finished).
// The static files share one version (?v=...), so charts.js is imported with ours.
const { durationRanges, stackedBars } = await import(
  `./charts.js${new URL(import.meta.url).search}`
);
const localiseTimes = (root) => window.agentRuns?.localiseTimes(root);

const POLL_MS = 4000;
const STATUSES = ["completed", "failed", "cancelled", "abandoned", "running"];
const MODEL_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d"];
const usd = (v) => `$${v.toFixed(v >= 0.1 || v === 0 ? 2 : v >= 0.01 ? 3 : 4)}`;
const TOKEN_KINDS = [
  ["input_tokens", "input"],
  ["output_tokens", "output"],
  ["cache_read_tokens", "cache read"],
  ["cache_creation_tokens", "cache write"],
  ["other_tokens", "total only"],
];

function pageData() {
  const script = document.getElementById("ar-data");
  return script ? JSON.parse(script.textContent) : null;
}

function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function bucketFilter(activity, i) {
  const label = activity.labels[i];
  if (activity.bucket === "hour") return `started_at__startswith=${label.slice(0, 13)}`;
  if (activity.bucket === "day") return `started_at__startswith=${label}`;
  return `started_at__gte=${label}&started_at__lt=${addDays(label, 7)}`;
}

function draw() {
  const data = pageData();
  if (!data) return;
  const activity = data.activity;
  const base = data.links.nodes;
  const tasksChart = document.getElementById("chart-activity");
  if (tasksChart && activity) {
    stackedBars(tasksChart, {
      labels: activity.labels,
      series: STATUSES.map((key) => ({
        key, label: key, values: activity.series[key] || [], color: `var(--ar-${key})`,
      })),
      href: (i, key) => `${base}&status=${key}&${bucketFilter(activity, i)}`,
    });
  }
  const tokensChart = document.getElementById("chart-tokens");
  if (tokensChart && activity) {
    const kinds = activity.tokens_by_kind || { other_tokens: activity.tokens };
    stackedBars(tokensChart, {
      labels: activity.labels,
      series: TOKEN_KINDS.map(([key, label]) => ({
        key, label, values: kinds[key] || [], color: `var(--ar-${key})`,
      })),
      unit: "tokens",
      href: (i) => `${base}&${bucketFilter(activity, i)}`,
    });
  }
  const costChart = document.getElementById("chart-cost");
  if (costChart && activity) {
    const models = activity.cost_by_model || [];
    stackedBars(costChart, {
      labels: activity.labels, unit: "USD", format: usd, integer: false,
      series: models.map((m, i) => ({
        key: `model-${i}`, label: m.model, values: m.values, color: MODEL_COLORS[i % MODEL_COLORS.length],
      })),
      href: (i) => `${base}&${bucketFilter(activity, i)}`,
    });
  }
  const durationChart = document.getElementById("chart-durations");
  if (durationChart && data.agent_types) {
    durationRanges(durationChart, {
      rows: data.agent_types.map((r) => ({
        label: r.agent_type || "(none)", median: r.median_ms, p95: r.p95_ms, count: r.finished,
        href: r.href,
      })),
    });
  }
}

function wireFilters() {
  const form = document.getElementById("ar-filters");
  if (!form) return;
  form.querySelectorAll("select").forEach((select) => {
    select.addEventListener("change", () => form.submit());
  });
}

// Keep live mode on across filter changes: the range links and the form carry live=1.
function carryLive(on) {
  const form = document.getElementById("ar-filters");
  if (!form) return;
  form.querySelectorAll("a[href]").forEach((a) => {
    const url = new URL(a.href, location.href);
    if (on) url.searchParams.set("live", "1");
    else url.searchParams.delete("live");
    a.href = url.pathname + url.search;
  });
  let hidden = form.querySelector("input[name=live]");
  if (on && !hidden) {
    hidden = Object.assign(document.createElement("input"), { type: "hidden", name: "live" });
    hidden.value = "1";
    form.appendChild(hidden);
  } else if (!on && hidden) {
    hidden.remove();
  }
}

const live = {
  timer: null,
  stamp: null,
  busy: false,
  toggle: null,
  state: null,

  init() {
    this.toggle = document.getElementById("ar-live");
    this.state = document.getElementById("ar-live-state");
    if (!this.toggle) return;
    const params = new URLSearchParams(location.search);
    this.toggle.checked = params.get("live") === "1";
    this.toggle.addEventListener("change", () => {
      const url = new URL(location.href);
      if (this.toggle.checked) url.searchParams.set("live", "1");
      else url.searchParams.delete("live");
      history.replaceState(null, "", url);
      carryLive(this.toggle.checked);
      this.toggle.checked ? this.start() : this.stop();
    });
    carryLive(this.toggle.checked);
    if (this.toggle.checked) this.start();
  },

  start() {
    this.stamp = null;
    this.show("connecting…", true);
    this.poll();
    this.timer = setInterval(() => this.poll(), POLL_MS);
  },

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.show("off", false);
  },

  show(text, on) {
    if (!this.state) return;
    this.state.textContent = text;
    this.state.classList.toggle("ar-on", on);
  },

  async poll() {
    if (this.busy) return;
    this.busy = true;
    try {
      const response = await fetch(this.toggle.dataset.statusUrl, { cache: "no-store" });
      const status = await response.json();
      const changed = this.stamp !== null && status.changed !== this.stamp;
      if (changed || (status.changed === null && status.running > 0)) await refresh();
      this.stamp = status.changed;
      const now = new Date().toLocaleTimeString();
      this.show(status.running > 0
        ? `${status.running.toLocaleString()} running · checked ${now}`
        : `no subagents running · checked ${now}`, true);
    } catch (error) {
      this.show(`cannot reach Datasette (${error.message})`, true);
    } finally {
      this.busy = false;
    }
  },
};

async function refresh() {
  const response = await fetch(location.href, { cache: "no-store" });
  const html = await response.text();
  const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ar-panels");
  const current = document.getElementById("ar-panels");
  if (!fresh || !current) return;
  current.replaceWith(document.adoptNode(fresh));
  draw();
  localiseTimes(document.getElementById("ar-panels"));
}

let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(draw, 150);
});

draw();
wireFilters();
live.init();

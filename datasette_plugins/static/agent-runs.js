// agent-runs: small page helpers for every page of an agent-runs database.
// - <time datetime="...Z"> elements show the viewer's local time (the stored UTC value
//   stays in the title and in the data);
// - on row pages, the record reads top to bottom and long text starts unfolded;
// - canned-query parameter inputs get their help text as a placeholder;
// - "Show as a chart" links open the query's datasette-vega chart;
// - the page's language is set when Datasette's template leaves it out.
const pad = (n) => String(n).padStart(2, "0");

export function localTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function relativeTime(iso, now = Date.now()) {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return null;
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const [value, unit] = s < 60 ? [s, "s"] : s < 3600 ? [Math.round(s / 60), "min"]
    : s < 86400 ? [Math.round(s / 3600), "h"] : [Math.round(s / 86400), "d"];
  return future ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";

export function localiseTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((el) => {
    const iso = el.getAttribute("datetime");
    const local = localTime(iso);
    if (!local) return;
    el.textContent = el.dataset.relative !== undefined ? relativeTime(iso) : local;
    el.title = `${local} (${timeZone()})\nstored as ${iso} (UTC)`;
  });
  root.querySelectorAll("[data-time-zone]").forEach((el) => { el.textContent = timeZone(); });
}

function rowPageLayout() {
  if (!document.body.classList.contains("row")) return;
  document.querySelectorAll("details.ar-long").forEach((d) => { d.open = true; });
  // Label each cell with its column so the stylesheet can lay the record out vertically.
  const table = document.querySelector("table.rows-and-columns");
  if (!table || table.tBodies[0]?.rows.length !== 1) return;
  const names = [...table.querySelectorAll("thead th")].map((th) => th.dataset.column);
  [...table.tBodies[0].rows[0].cells].forEach((td, i) => {
    if (names[i]) td.dataset.column = names[i];
  });
  document.body.classList.add("ar-vertical");
}

// datasette-vega reads its chart settings from the URL fragment once, when the page
// loads: a "Show as a chart" link sets the fragment and loads the page again.
function chartLinks() {
  document.querySelectorAll("a.ar-chart-link").forEach((a) => {
    a.addEventListener("click", (event) => {
      event.preventDefault();
      window.location.hash = a.getAttribute("href").slice(1);
      window.location.reload();
    });
  });
}

function parameterHelp() {
  const help = window.agentRunsParamHelp;
  if (!help) return;
  for (const [name, text] of Object.entries(help)) {
    const input = document.querySelector(`form input[name="${CSS.escape(name)}"]`);
    if (input && !input.placeholder) {
      input.placeholder = text;
      input.title = text;
    }
  }
}

// Datasette's pages name no language: ours are English (for screen readers).
if (!document.documentElement.lang) document.documentElement.lang = "en";
localiseTimes();
rowPageLayout();
parameterHelp();
chartLinks();
window.agentRuns = Object.assign(window.agentRuns || {}, { localiseTimes, localTime, relativeTime });

// The run page's "Show the critical path" switch.
document.getElementById("ar-critical-toggle")?.addEventListener("change", (event) => {
  document.getElementById("ar-timeline-svg")?.classList.toggle("ar-show-critical", event.target.checked);
});

// agent-runs: small SVG charts for the dashboard (no libraries, no network).
// Every mark is an SVG element built with DOM calls, so recorded text (agent types,
// projects) is only ever set as text, never parsed as markup. A mark's tooltip shows at
// once under the pointer; on a touch screen the first tap shows it and a second tap
// follows the mark's link.
const NS = "http://www.w3.org/2000/svg";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function svgEl(name, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

export function compact(n) {
  const abs = Math.abs(n);
  for (const [limit, suffix] of [[1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
    if (abs >= limit) {
      const v = n / limit;
      return `${v < 100 ? v.toFixed(1).replace(/\.0$/, "") : Math.round(v)}${suffix}`;
    }
  }
  return String(Math.round(n));
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole}s`;
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m}m ${String(whole % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A bucket's label: "Nov 24" for a day or week, "14:00" for an hour (UTC). */
export function dayLabel(iso) {
  if (iso.includes("T")) return iso.slice(11, 16);
  const [, month, day] = iso.split("-").map(Number);
  return `${MONTHS[month - 1]} ${day}`;
}

/** Longer, for tooltips: "Nov 24", or "Nov 24, 14:00–15:00 UTC" for an hour. */
function bucketTitle(iso) {
  if (!iso.includes("T")) return dayLabel(iso);
  const hour = Number(iso.slice(11, 13));
  const next = `${String((hour + 1) % 24).padStart(2, "0")}:00`;
  return `${dayLabel(iso.slice(0, 10))}, ${iso.slice(11, 16)}–${next} UTC`;
}

/** Give ``node`` a tooltip (and the same text for screen readers). */
function tip(node, text) {
  node.dataset.tip = text;
  node.setAttribute("aria-label", text);
}

// Pointer handling, once per chart container (drawing again only replaces its children).
function wireTips(container) {
  if (container.dataset.tips) return;
  container.dataset.tips = "on";
  let pointer = "mouse";
  let shownFor = null;
  const box = () => {
    let el = container.querySelector(":scope > .ar-tip");
    if (!el) {
      el = document.createElement("div");
      el.className = "ar-tip";
      el.setAttribute("role", "tooltip");
      container.appendChild(el);
    }
    return el;
  };
  const show = (mark, event) => {
    const el = box();
    el.textContent = mark.dataset.tip;
    el.hidden = false;
    const area = container.getBoundingClientRect();
    const x = event.clientX - area.left;
    const y = event.clientY - area.top;
    el.style.left = `${Math.max(0, Math.min(x + 12, area.width - el.offsetWidth))}px`;
    el.style.top = `${Math.max(0, y - el.offsetHeight - 12)}px`;
    shownFor = mark;
  };
  const hide = () => {
    const el = container.querySelector(":scope > .ar-tip");
    if (el) el.hidden = true;
    shownFor = null;
  };
  container.addEventListener("pointerdown", (event) => { pointer = event.pointerType; });
  container.addEventListener("pointermove", (event) => {
    if (event.pointerType === "touch") return;
    const mark = event.target.closest("[data-tip]");
    if (mark) show(mark, event);
    else hide();
  });
  container.addEventListener("pointerleave", (event) => {
    if (event.pointerType !== "touch") hide();
  });
  container.addEventListener("click", (event) => {
    const mark = event.target.closest("[data-tip]");
    if (!mark) return hide();
    if (pointer === "touch" && shownFor !== mark) {
      event.preventDefault();  // first tap: the tooltip; a second tap follows the link
      show(mark, event);
    }
  });
}

function niceTicks(max, count = 4, integer = true) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  if (integer) step = Math.max(1, Math.ceil(step));
  const ticks = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(v);
  return ticks;
}

const NICE_DURATIONS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400,
  28800, 86400].map((s) => s * 1000);

function durationTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1000];
  const step = NICE_DURATIONS.find((s) => max / s <= count) || NICE_DURATIONS.at(-1);
  const ticks = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(v);
  return ticks;
}

function frame(container, height) {
  container.replaceChildren();
  wireTips(container);
  const width = Math.max(container.clientWidth || 0, 280);
  const svg = svgEl("svg", {
    width, height, viewBox: `0 0 ${width} ${height}`, role: "group", // it holds links
    "aria-label": container.getAttribute("aria-label") || "chart",
  }, container);
  return { svg, width, height };
}

function empty(container, message) {
  container.replaceChildren();
  const p = document.createElement("p");
  p.className = "ar-empty";
  p.textContent = message;
  container.appendChild(p);
}

function legend(container, items) {
  const div = document.createElement("div");
  div.className = "ar-legend";
  for (const item of items) {
    const span = document.createElement("span");
    span.style.setProperty("--swatch", item.color);
    span.textContent = item.label;
    div.appendChild(span);
  }
  container.appendChild(div);
}

function yAxis(svg, ticks, scale, left, right, format) {
  const g = svgEl("g", { class: "ar-axis" }, svg);
  for (const t of ticks) {
    const y = scale(t);
    svgEl("line", { x1: left, x2: right, y1: y, y2: y, class: "ar-grid-line" }, g);
    svgEl("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, g, format(t));
  }
}

function xLabels(svg, labels, band, left, y, minSpacing = 54) {
  const every = Math.max(1, Math.ceil(minSpacing / band));
  const g = svgEl("g", { class: "ar-axis" }, svg);
  labels.forEach((label, i) => {
    if ((labels.length - 1 - i) % every !== 0) return;  // keep the latest bucket labelled
    svgEl("text", { x: left + band * (i + 0.5), y, "text-anchor": "middle" }, g, dayLabel(label));
  });
}

/** Vertical bars, stacked: {labels, series: [{key, label, values, color}], href(i, key)} */
export function stackedBars(container, { labels, series, href, unit = "tasks", height = 240,
  format = compact, integer = true }) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  if (!totals.some((t) => t > 0)) return empty(container, `No ${unit} in this range.`);
  const { svg, width } = frame(container, height);
  const m = { left: 44, right: 8, top: 10, bottom: 26 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const ticks = niceTicks(Math.max(...totals), 4, integer);
  const top = ticks.at(-1);
  const scale = (v) => m.top + plotH - (v / top) * plotH;
  yAxis(svg, ticks, scale, m.left, width - m.right, format);
  const band = plotW / labels.length;
  const barW = Math.max(1, band * 0.78);
  labels.forEach((label, i) => {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] || 0;
      if (v <= 0) continue;
      const y = scale(base + v);
      const parent = href ? svgEl("a", { href: href(i, s.key) }, svg) : svg;
      const rect = svgEl("rect", {
        x: m.left + band * i + (band - barW) / 2, y, width: barW,
        height: Math.max(scale(base) - y, 0.5), class: `ar-mark ar-fill-${s.key}`,
        ...(s.color.startsWith("#") ? { fill: s.color } : {}),
      }, parent);
      const shown = format === compact ? v.toLocaleString() : format(v);
      const total = format === compact ? totals[i].toLocaleString() : format(totals[i]);
      tip(rect, `${bucketTitle(label)}: ${shown} ${s.label} (${total} ${unit} in all)`);
      base += v;
    }
  });
  svgEl("line", { x1: m.left, x2: width - m.right, y1: scale(0), y2: scale(0),
    class: "ar-axis-base" }, svg);
  xLabels(svg, labels, band, m.left, height - 8);
  legend(container, series.filter((s) => s.values.some((v) => v > 0))
    .map((s) => ({ label: s.label, color: s.color })));
}

/** Horizontal median bars with a p95 whisker: {rows: [{label, median, p95, count, href}]} */
export function durationRanges(container, { rows }) {
  rows = rows.filter((r) => r.median !== null && r.median !== undefined);
  if (!rows.length) return empty(container, "No finished tasks in this range.");
  const rowH = 26;
  const m = { left: 130, right: 96, top: 8, bottom: 26 };
  const height = m.top + rows.length * rowH + m.bottom;
  const { svg, width } = frame(container, height);
  const plotW = width - m.left - m.right;
  // a tick per 70 px at most: "10m 00s" labels must not run into each other on a phone
  const most = Math.max(1, Math.min(5, Math.floor(plotW / 70)));
  const ticks = durationTicks(Math.max(...rows.map((r) => r.p95 ?? r.median)), most);
  const top = ticks.at(-1);
  const scale = (v) => m.left + (v / top) * plotW;
  const axis = svgEl("g", { class: "ar-axis" }, svg);
  for (const t of ticks) {
    const x = scale(t);
    svgEl("line", { x1: x, x2: x, y1: m.top, y2: height - m.bottom, class: "ar-grid-line" }, axis);
    svgEl("text", { x, y: height - 8, "text-anchor": "middle" }, axis, t ? duration(t) : "0");
  }
  rows.forEach((r, i) => {
    const y = m.top + i * rowH;
    const mid = y + rowH / 2;
    const label = r.label.length > 19 ? `${r.label.slice(0, 18)}…` : r.label;
    const name = svgEl("text", { x: m.left - 8, y: mid + 4, "text-anchor": "end" }, svg, label);
    tip(name, r.label);
    const text = `${r.label}: median ${duration(r.median)}, p95 ${duration(r.p95)} ` +
      `(${(r.count || 0).toLocaleString()} tasks)`;
    // the link's name, said once (its bar and whisker each carry the same tooltip)
    const parent = r.href ? svgEl("a", { href: r.href, "aria-label": text }, svg) : svg;
    const bar = svgEl("rect", {
      x: m.left, y: mid - 7, width: Math.max(scale(r.median) - m.left, 1), height: 14, rx: 2,
      class: "ar-mark ar-fill-median",
    }, parent);
    tip(bar, text);
    if (r.p95 !== null && r.p95 !== undefined && r.p95 > r.median) {
      const whisker = svgEl("g", {}, parent);
      svgEl("line", { x1: scale(r.median), x2: scale(r.p95), y1: mid, y2: mid,
        class: "ar-stroke-p95" }, whisker);
      svgEl("line", { x1: scale(r.p95), x2: scale(r.p95), y1: mid - 6, y2: mid + 6,
        class: "ar-stroke-p95 ar-mark" }, whisker);
      tip(whisker, text);
    }
    svgEl("text", { x: width - m.right + 8, y: mid + 4 }, svg,
      `${duration(r.median)} · ${duration(r.p95)}`);
  });
  legend(container, [
    { label: "median", color: "var(--ar-accent)" },
    { label: "p95 (whisker end)", color: "#495057" },
  ]);
}

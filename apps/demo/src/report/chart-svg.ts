import type { Sample } from '../run/recorder.js';

/** What the chart draws. */
export interface ChartInput {
  title: string;
  samples: readonly Sample[];
  pools: readonly string[];
  durationMs: number;
  /** The fault window, in ms since start (shaded), and its pool. */
  fault?: { pool: string; from: number; to: number | undefined } | undefined;
}

const COLORS: Record<string, string> = {
  pg: '#336791', mysql: '#e48e00', redis: '#d82c20', tcp: '#2e8b57', ws: '#8a2be2', http: '#1f77b4',
};

const WIDTH = 960;
const HEIGHT = 600;
const LEFT = 70;
const RIGHT = 150;
const PANEL_HEIGHT = 200;
const TOP_PANEL_Y = 60;
const BOTTOM_PANEL_Y = 330;
/** Pixels between the lines of two pools with the same value. */
const LINE_SPREAD = 2.5;

/**
 * A hand-written SVG: requests per second per pool (top) and pool size per pool (bottom) over
 * time, the fault window shaded in both. No dependency; the output is a standalone file.
 */
export function renderChart(input: ChartInput): string {
  const plotWidth = WIDTH - LEFT - RIGHT;
  const xOf = (t: number) => LEFT + (Math.min(t, input.durationMs) / input.durationMs) * plotWidth;
  const maxThroughput = niceCeil(Math.max(1, ...input.samples.flatMap((s) => Object.values(s.pools).map((p) => p.throughput))));
  const maxSize = Math.max(1, ...input.samples.flatMap((s) => Object.values(s.pools).map((p) => p.size)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="28" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  const panels: Array<{ y: number; label: string; max: number; value: (p: Sample['pools'][string]) => number; step: boolean }> = [
    { y: TOP_PANEL_Y, label: 'requests per second', max: maxThroughput, value: (p) => p.throughput, step: false },
    { y: BOTTOM_PANEL_Y, label: 'pool size (connections)', max: maxSize, value: (p) => p.size, step: true },
  ];
  for (const panel of panels) {
    const yOf = (v: number) => panel.y + PANEL_HEIGHT - (v / panel.max) * PANEL_HEIGHT;
    if (input.fault) {
      const x1 = xOf(input.fault.from);
      const x2 = xOf(input.fault.to ?? input.durationMs);
      parts.push(`<rect x="${f(x1)}" y="${panel.y}" width="${f(Math.max(1, x2 - x1))}" height="${PANEL_HEIGHT}" fill="#d62728" fill-opacity="0.12"/>`);
      if (panel === panels[0]) parts.push(`<text x="${f(x1 + 4)}" y="${panel.y + 14}" fill="#d62728">${escapeXml(`${input.fault.pool} upstream down`)}</text>`);
    }
    parts.push(`<text x="${LEFT}" y="${panel.y - 10}" font-weight="bold">${escapeXml(panel.label)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (panel.max * i) / 4;
      const y = yOf(v);
      parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${f(y)}" y2="${f(y)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${LEFT - 8}" y="${f(y + 4)}" text-anchor="end" fill="#555">${formatTick(v)}</text>`);
    }
    parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${panel.y}" y2="${panel.y + PANEL_HEIGHT}" stroke="#999"/>`);
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${panel.y + PANEL_HEIGHT}" y2="${panel.y + PANEL_HEIGHT}" stroke="#999"/>`);
    input.pools.forEach((pool, index) => {
      // pools with equal values (ws and http often have the same size) would hide each other:
      // each line is shifted a little, centred on the true value, so every one stays visible
      const shift = (index - (input.pools.length - 1) / 2) * LINE_SPREAD;
      const points: string[] = [];
      let previousY: number | undefined;
      for (const s of input.samples) {
        const p = s.pools[pool];
        if (!p) continue;
        const x = xOf(s.t);
        const y = yOf(panel.value(p)) + shift;
        if (panel.step && previousY !== undefined) points.push(`${f(x)},${f(previousY)}`);
        points.push(`${f(x)},${f(y)}`);
        previousY = y;
      }
      if (points.length) parts.push(`<polyline fill="none" stroke="${COLORS[pool] ?? '#333'}" stroke-width="2" points="${points.join(' ')}"/>`);
    });
  }
  const seconds = input.durationMs / 1000;
  const tickEvery = seconds <= 10 ? 1 : seconds <= 30 ? 5 : seconds <= 120 ? 10 : 60;
  for (let s = 0; s <= seconds + 1e-9; s += tickEvery) {
    const x = xOf(s * 1000);
    parts.push(`<text x="${f(x)}" y="${BOTTOM_PANEL_Y + PANEL_HEIGHT + 18}" text-anchor="middle" fill="#555">${s}s</text>`);
  }
  input.pools.forEach((pool, i) => {
    const y = TOP_PANEL_Y + 10 + i * 22;
    const x = LEFT + plotWidth + 20;
    parts.push(`<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${COLORS[pool] ?? '#333'}" stroke-width="3"/>`);
    parts.push(`<text x="${x + 32}" y="${y + 4}">${escapeXml(pool)}</text>`);
  });
  parts.push(`<text x="${LEFT + plotWidth / 2}" y="${HEIGHT - 16}" text-anchor="middle" fill="#555">time since the workload started</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function f(n: number): string {
  return n.toFixed(1);
}

function formatTick(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k` : Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Rounds up to 1, 2 or 5 times a power of ten. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** Escapes text for SVG content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

import type { WorkloadResult } from '../run-workload.js';

const palette = ['#6b7280', '#2563eb', '#f59e0b', '#10b981', '#ef4444', '#a855f7', '#14b8a6', '#eab308'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A hand-written SVG bar chart: one group per workload, one bar per pool, the bar's height its
 * ratio to the hand-written pool, a dashed line at 1.0. Ratios above the axis top are clipped and
 * labelled with their value.
 */
export function ratiosSvg(workloads: readonly WorkloadResult[]): string {
  const pools = [...new Set(workloads.flatMap((w) => w.rows.map((r) => r.pool)))];
  const color = new Map(pools.map((pool, i) => [pool, palette[i % palette.length] as string]));
  const ratios = workloads.flatMap((w) => w.rows.map((r) => r.ratio)).filter((r) => Number.isFinite(r));
  const top = Math.min(4, Math.max(1.25, Math.ceil(Math.max(0, ...ratios) * 4) / 4));
  const bar = 18;
  const gap = 36;
  const left = 56;
  const plotTop = 40;
  const plotHeight = 260;
  const groupWidth = pools.length * bar;
  const width = left + workloads.length * (groupWidth + gap) + 16;
  const legendTop = plotTop + plotHeight + 48;
  const height = legendTop + Math.ceil(pools.length / 3) * 20 + 12;
  const y = (ratio: number) => plotTop + plotHeight - (Math.min(ratio, top) / top) * plotHeight;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">ops/s as a ratio to the hand-written pool (higher is faster)</text>`,
  ];
  for (let tick = 0; tick <= top + 1e-9; tick += top > 2 ? 0.5 : 0.25) {
    out.push(`<line x1="${left}" x2="${width - 16}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick.toFixed(2)}</text>`);
  }
  workloads.forEach((workload, g) => {
    const x0 = left + gap / 2 + g * (groupWidth + gap);
    workload.rows.forEach((row, i) => {
      if (!Number.isFinite(row.ratio)) return;
      const x = x0 + i * bar;
      const yTop = y(row.ratio);
      out.push(`<rect x="${x}" y="${yTop.toFixed(1)}" width="${bar - 2}" height="${(plotTop + plotHeight - yTop).toFixed(1)}" fill="${color.get(row.pool)}"><title>${escapeXml(`${workload.id} ${row.pool}: ${row.ratio.toFixed(3)}x`)}</title></rect>`);
      // one decimal keeps neighbouring labels of narrow bars from running together
      const label = row.ratio >= 10 ? row.ratio.toFixed(0) : row.ratio >= 0.1 ? row.ratio.toFixed(1) : '&lt;0.1';
      out.push(`<text x="${x + (bar - 2) / 2}" y="${(yTop - 3).toFixed(1)}" text-anchor="middle" font-size="8">${label}</text>`);
    });
    out.push(`<text x="${x0 + groupWidth / 2}" y="${plotTop + plotHeight + 16}" text-anchor="middle" font-weight="bold">${escapeXml(`${workload.id} ${workload.title}`)}</text>`);
  });
  out.push(`<line x1="${left}" x2="${width - 16}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#111827" stroke-dasharray="4 3"/>`);
  // in the margin under the title, clear of every bar group
  out.push(`<text x="${width - 18}" y="34" text-anchor="end" fill="#111827">- - - 1.0 = hand-written</text>`);
  pools.forEach((pool, i) => {
    const x = left + (i % 3) * 180;
    const yy = legendTop + Math.floor(i / 3) * 20;
    out.push(`<rect x="${x}" y="${yy - 10}" width="12" height="12" fill="${color.get(pool)}"/>`);
    out.push(`<text x="${x + 18}" y="${yy}">${escapeXml(pool)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

import { describe, expect, it } from 'vitest';
import { escapeXml, renderChart } from '../src/report/chart-svg.js';
import type { Sample } from '../src/run/recorder.js';

function sample(t: number, throughput: number, size: number): Sample {
  const pool = { throughput, errorsPerSecond: 0, size, idle: 0, borrowed: size, pending: 0, unavailable: false };
  return { t, pools: { tcp: pool, pg: { ...pool, throughput: throughput * 2 } } };
}

describe('SVG chart', () => {
  const svg = renderChart({
    title: 'demo <test> & co',
    samples: [sample(250, 100, 4), sample(500, 0, 0), sample(750, 120, 4)],
    pools: ['pg', 'tcp'],
    durationMs: 1_000,
    fault: { pool: 'tcp', from: 400, to: 600 },
  });

  it('is a standalone SVG with two polylines per pool (throughput and size) and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('>pg</text>');
    expect(svg).toContain('>tcp</text>');
    expect(svg).toContain('requests per second');
    expect(svg).toContain('pool size (connections)');
  });

  it('scales the throughput axis to a round maximum and shades the fault window in both panels', () => {
    // the peak (pg, 240/s) rounds up to 500: ticks 0, 125, 250, 375, 500
    for (const tick of ['0', '125', '250', '375', '500']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).not.toContain('>240</text>');
    const shaded = svg.match(/fill="#d62728" fill-opacity="0.12"/g);
    expect(shaded).toHaveLength(2);
    expect(svg).toContain('tcp upstream down');
  });

  it('escapes text', () => {
    expect(svg).toContain('demo &lt;test&gt; &amp; co');
    expect(escapeXml('"a"')).toBe('&quot;a&quot;');
  });

  it('draws the size panel as steps (a drop to 0 is vertical, not a slope)', () => {
    const sizeLine = svg.match(/<polyline [^>]*points="([^"]+)"/g)!.at(-1)!;
    const points = sizeLine.replace(/.*points="|"/g, '').split(' ').map((p) => p.split(',').map(Number));
    // each step repeats the x of the new sample with the previous y
    expect(points.length).toBe(5);
    expect(points[1]![0]).toBe(points[2]![0]);
  });
});

describe('SVG chart, pools with equal values', () => {
  it('draws the ws line beside the http line, not hidden under it', () => {
    const same = { throughput: 50, errorsPerSecond: 0, size: 2, idle: 1, borrowed: 1, pending: 0, unavailable: false };
    const svg = renderChart({
      title: 't',
      samples: [250, 500, 750].map((t) => ({ t, pools: { ws: same, http: same } })),
      pools: ['ws', 'http'],
      durationMs: 1_000,
    });
    const lines = [...svg.matchAll(/<polyline fill="none" stroke="([^"]+)" stroke-width="2" points="([^"]+)"/g)].map((m) => ({ color: m[1]!, points: m[2]! }));
    expect(lines).toHaveLength(4);
    const [wsThroughput, httpThroughput, wsSize, httpSize] = lines;
    expect(wsThroughput!.color).not.toBe(httpThroughput!.color);
    expect(wsThroughput!.points).not.toBe(httpThroughput!.points);
    expect(wsSize!.points).not.toBe(httpSize!.points);
    // a few pixels apart: beside each other, still at the same value on the axis
    const firstY = (points: string) => Number(points.split(' ')[0]!.split(',')[1]);
    expect(Math.abs(firstY(wsSize!.points) - firstY(httpSize!.points))).toBeGreaterThanOrEqual(2);
    expect(Math.abs(firstY(wsSize!.points) - firstY(httpSize!.points))).toBeLessThanOrEqual(5);
  });
});

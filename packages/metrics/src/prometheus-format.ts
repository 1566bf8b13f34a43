/**
 * Prometheus text exposition format 0.0.4: one `# HELP` and one `# TYPE` line per metric family,
 * then its samples. https://prometheus.io/docs/instrumenting/exposition_formats/
 */

/** The Content-Type to serve the exposition with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'histogram';

/** One metric family: a name, its help and type, and its sample lines. */
export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: string[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Formats a sample value the way Prometheus parses it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** `name{a="1",b="2"} value` */
export function sample(name: string, labels: Readonly<Record<string, string>>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
}

/** Renders families in order; a family without samples still gets its HELP and TYPE lines. */
export function renderFamilies(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...f.samples);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** True for a valid Prometheus metric name (used to check a user's prefix). */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

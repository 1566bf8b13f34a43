/** `1,234,567` (no decimals); `–` for a missing or failed number. */
export function formatOps(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
}

/** `0.53x`; `–` when missing. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/** `12.3 ms` with sensible precision; `–` when missing. */
export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value < 0.01) return `${(value * 1000).toFixed(1)} µs`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** `12.3 µs` (one decimal); `–` when missing. */
export function formatMicros(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(1)} µs`;
}

/** `+0.12 MB` (signed, binary megabytes); `–` when missing. */
export function formatBytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const mb = value / (1024 * 1024);
  return `${mb >= 0 ? '+' : ''}${mb.toFixed(mb > -0.1 && mb < 0.1 ? 3 : 2)} MB`;
}

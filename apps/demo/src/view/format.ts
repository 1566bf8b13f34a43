/** ANSI styling, used only on a terminal. */
export const ansi = {
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[39m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  none: (s: string) => s,
};

/** A progress bar of `width` cells for `fraction` (0..1). */
export function progressBar(fraction: number, width: number): string {
  const clamped = Math.max(0, Math.min(1, fraction));
  const full = Math.round(clamped * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** 12,345 */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Renders rows as a table with a header and right-aligned numeric columns. `width` ignores ANSI codes. */
export function table(header: string[], rows: string[][], numeric: boolean[]): string[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const space = ' '.repeat(widths[i]! - visible(s));
    return numeric[i] ? space + s : s + space;
  };
  return [header.map(pad).join('  '), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map((r) => r.map(pad).join('  '))];
}

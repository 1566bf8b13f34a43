/** A strict-enough reader of the Prometheus text format, so tests check structure, not substrings. */
export interface ParsedFamily {
  help: string;
  type: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

/** `blankLines`: skip empty lines (the format ignores them; prom-client writes one between families, ours none). */
export function parseExposition(text: string, options: { blankLines?: boolean } = {}): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  let currentName = '';
  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '' && options.blankLines === true) continue;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help) {
      if (families.has(help[1]!)) throw new Error(`HELP twice for ${help[1]}`);
      currentName = help[1]!;
      current = { help: help[2]!, type: '', samples: [] };
      families.set(currentName, current);
      continue;
    }
    const type = /^# TYPE (\S+) (gauge|counter|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (type[1] !== currentName || !current || current.type) throw new Error(`TYPE out of place: ${line}`);
      current.type = type[2]!;
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m || !current) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = m[1]!;
    const allowed = current.type === 'histogram' ? [`${currentName}_bucket`, `${currentName}_sum`, `${currentName}_count`] : [currentName];
    if (!allowed.includes(name)) throw new Error(`sample ${name} inside family ${currentName}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      let l: RegExpExecArray | null;
      while ((l = LABEL.exec(m[2])) !== null) {
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed = LABEL.lastIndex;
      }
      if (consumed !== m[2].length) throw new Error(`bad labels: ${m[2]}`);
    }
    const raw = m[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes `Nan`)
    if (raw.toLowerCase() !== 'nan' && Number.isNaN(value)) throw new Error(`bad value: ${raw}`);
    current.samples.push({ name, labels, value });
  }
  return families;
}

/** The value of the one sample matching name and labels; throws if there is not exactly one. */
export function valueOf(families: Map<string, ParsedFamily>, family: string, name: string, labels: Record<string, string>): number {
  const f = families.get(family);
  if (!f) throw new Error(`no family ${family}`);
  const hits = f.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length);
  if (hits.length !== 1) throw new Error(`${hits.length} samples for ${name} ${JSON.stringify(labels)}`);
  return hits[0]!.value;
}

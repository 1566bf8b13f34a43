import { readFileSync } from 'node:fs';

/**
 * Prints the functions with the most self time in a `.cpuprofile` written by `node --cpu-prof`:
 * `node dist/tools/cpuprofile-top.js <file.cpuprofile> [count] [filter]`, where `filter` keeps only
 * functions whose source path contains it (e.g. `core/dist`).
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countText = '25', filter = ''] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node dist/tools/cpuprofile-top.js <file.cpuprofile> [count] [path filter]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const selfMicros = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  total += delta;
  const frame = frames.get(id);
  if (frame === undefined) return;
  const where = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\//, '').split('/').slice(-3).join('/')}:${frame.lineNumber + 1}`;
  const key = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
});
const rows = [...selfMicros].filter(([key]) => key.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(countText));
console.log(`self time of ${(total / 1000).toFixed(0)} ms sampled${filter === '' ? '' : ` (only "${filter}")`}`);
for (const [key, micros] of rows) {
  console.log(`${(micros / 1000).toFixed(1).padStart(9)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}`);
}

// What one borrow costs while it waits on a PoolCluster whose nodes refuse at once (removeNodeErrorCount:
// Infinity, canRetry): CPU (process.cpuUsage) over a few seconds, mysql2's PoolCluster against ours,
// each in a child process of its own. `node bench/cluster-retry-cpu.mjs` after the build.
// Nodes: 'closed' = two closed ports (ECONNREFUSED); 'password' = the shared server with wrong passwords.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const seconds = Number(process.env.SECONDS_ ?? 3);
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const mysql2Entry = fileURLToPath(new URL('../node_modules/mysql2/index.js', import.meta.url));

function run(create, nodes, borrow = true) {
  const script = `
    import mysql from ${JSON.stringify(mysql2Entry)};
    import { createPoolCluster } from ${JSON.stringify(dist)};
    process.on('uncaughtException', () => undefined);
    const cluster = ${create}({ removeNodeErrorCount: Infinity });
    let warns = 0;
    cluster.on('warn', () => warns++);
    const base = { host: '127.0.0.1', user: 'root', database: 'test', connectionLimit: 2 };
    if (${JSON.stringify(nodes)} === 'closed') {
      cluster.add('A', { ...base, port: 1 });
      cluster.add('B', { ...base, port: 2 });
    } else {
      cluster.add('A', { ...base, port: 3306, password: 'wrong-a' });
      cluster.add('B', { ...base, port: 3306, password: 'wrong-b' });
    }
    await new Promise((r) => setTimeout(r, 200));
    if (${borrow}) cluster.getConnection('*', () => undefined);
    // the borrow's first second (its first round of tries, JIT warm-up) is left out: the steady cost of a caller that waits
    await new Promise((r) => setTimeout(r, 1000));
    const warns0 = warns;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ${seconds * 1000}));
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ cpuMs: Math.round((cpu.user + cpu.system) / 1000), wallMs: Math.round(ms), warns: warns - warns0 }));
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  const line = child.stdout.trim().split('\n').at(-1);
  if (!line) throw new Error(child.stderr);
  return JSON.parse(line);
}

const idle = run('createPoolCluster', 'closed', false);
console.log(`control: @pool/mysql cluster with no borrow: CPU ${idle.cpuMs} ms over ${idle.wallMs} ms`);
for (const nodes of ['closed', 'password']) {
  for (let round = 0; round < 2; round++) {
    for (const [name, create] of [['mysql2', 'mysql.createPoolCluster'], ['@pool/mysql', 'createPoolCluster']]) {
      const r = run(create, nodes);
      console.log(`${nodes.padEnd(8)} ${name.padEnd(12)} CPU ${String(r.cpuMs).padStart(5)} ms over ${r.wallMs} ms (${((100 * r.cpuMs) / r.wallMs).toFixed(1)}%), ${r.warns} tries failed`);
    }
  }
}

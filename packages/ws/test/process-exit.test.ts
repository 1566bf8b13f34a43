import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('process exit (reliability row 30)', () => {
  it('a script that never calls close() exits once idleTimeoutMs has closed the idle sockets: the pool\'s timers hold nothing, its open sockets do (as plain ws sockets)', () => {
    // the built package, as users run it (the test pipeline builds before testing)
    expect(existsSync(dist), `build @pool/ws first: ${dist} is missing`).toBe(true);
    const script = `
      import { WebSocketServer } from 'ws';
      import { createWsPool } from ${JSON.stringify(pathToFileURL(dist).href)};
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise((resolve) => wss.once('listening', resolve));
      wss._server.unref();
      wss.on('connection', (ws) => ws.on('message', (data) => ws.send(String(data))));
      const pool = createWsPool({ url: 'ws://127.0.0.1:' + wss.address().port, pool: { idleTimeoutMs: 200, keepaliveIntervalMs: 60_000 } });
      const replies = await Promise.all([1, 2, 3].map((n) => pool.request({ n })));
      console.log('done', replies.length);
    `;
    // left open, the sockets would hold the child for the 5-minute default idleTimeoutMs; here 200 ms
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('done 3');
  });
});

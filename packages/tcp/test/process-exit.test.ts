import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('process exit (reliability row 30)', () => {
  it('a script that never calls close() exits once idleTimeoutMs has closed the idle sockets: the pool\'s timers hold nothing, its open sockets do (as plain net sockets)', () => {
    // the built package, as users run it (the test pipeline builds before testing)
    expect(existsSync(dist), `build @pool/tcp first: ${dist} is missing`).toBe(true);
    const script = `
      import net from 'node:net';
      import { createTcpPool } from ${JSON.stringify(pathToFileURL(dist).href)};
      const server = net.createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      server.unref();
      const pool = createTcpPool({ host: '127.0.0.1', port: server.address().port, pool: { idleTimeoutMs: 200, keepaliveIntervalMs: 60_000 } });
      const replies = await Promise.all(['a', 'b', 'c'].map((line) => pool.request(line)));
      console.log('done', replies.join(''));
    `;
    // left open, the sockets would hold the child for the 5-minute default idleTimeoutMs; here 200 ms
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('done abc');
  });
});

import { get } from 'node:http';
import type { PrivateServer, ServerRecipe } from './managed-server.js';

/** GET `path` on a fresh connection to 127.0.0.1:`port`; the body as text. */
export function httpText(port: number, path: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/**
 * The recipe of a server that is a node script (`node -e script port ...args`), stopped with SIGTERM,
 * and ready once `askPid(port)` answers with its process id (so a restarted server is told from a
 * lingering one).
 */
export function nodeScriptRecipe(
  kind: PrivateServer['kind'],
  script: string,
  args: readonly string[],
  askPid: (port: number) => Promise<string>,
  url: (port: number) => string,
): ServerRecipe {
  return {
    kind,
    dirPrefix: `pool-${kind}-`,
    async prepare() {},
    command: (_dir, port) => ({ file: process.execPath, args: ['-e', script, String(port), ...args] }),
    async ready(_dir, port, pid) {
      try {
        return (await askPid(port)) === String(pid);
      } catch {
        return false;
      }
    },
    stopSignal: 'SIGTERM',
    url,
  };
}

// Worker-thread entry: runs PGlite and its pglite-socket server off the demo's main thread (see
// pglite-server.ts, which starts it). It posts `note`s, then `started` or `start-failed`, and
// answers each request with a `reply`; after `close` (or a failed start) it lets the thread end.
import { parentPort, workerData } from 'node:worker_threads';
import { openPglite, type PgliteInstance } from './pglite-instance.js';
import { messageOf, type PgliteRequest, type PgliteWorkerData, type PgliteWorkerMessage } from './pglite-protocol.js';

if (!parentPort) throw new Error('pglite-worker.js runs as a worker thread, started by startPgliteServer()');
const port = parentPort;
const post = (message: PgliteWorkerMessage) => port.postMessage(message);
const { cacheDir, maxConnections } = workerData as PgliteWorkerData;

let instance: PgliteInstance | undefined;
try {
  instance = await openPglite({ cacheDir, maxConnections, note: (message) => post({ type: 'note', message }) });
} catch (error) {
  post({ type: 'start-failed', message: messageOf(error) });
  port.close(); // nothing left to do: the thread ends
}

if (instance) {
  const pglite = instance;
  // one request at a time, in order: a close never runs under a template dump
  let queue = Promise.resolve();
  port.on('message', (request: PgliteRequest) => {
    queue = queue.then(async () => {
      try {
        const value = request.op === 'saveTemplate' ? await pglite.saveTemplate() : (await pglite.close(), false);
        post({ type: 'reply', id: request.id, ok: true, value });
      } catch (error) {
        post({ type: 'reply', id: request.id, ok: false, message: messageOf(error) });
      }
      if (request.op === 'close') port.close(); // the server and PGlite are closed: let the thread end
    });
  });
  post({ type: 'started', port: pglite.port, startedFrom: pglite.startedFrom });
}

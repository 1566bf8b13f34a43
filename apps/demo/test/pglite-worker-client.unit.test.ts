import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PgliteWorkerMessage } from '../src/servers/pglite-protocol.js';
import { attachPgliteWorker, type PgliteWorkerDeadlines } from '../src/servers/pglite-worker-client.js';

// The main-thread side of the PGlite worker protocol, driven by stand-in workers (ES modules in
// data: URLs) that misbehave on purpose: what the demo gets back for each way the real worker can
// fail, and that the thread is always gone once a start failed or close() resolved.

const DEADLINES: PgliteWorkerDeadlines = { startTimeoutMs: 45_000, saveTimeoutMs: 30_000, closeTimeoutMs: 5_000 };

/** A worker running `body`, with `post(message)` and `port` (its parentPort) in scope. */
function standIn(body: string): { worker: Worker; exited: Promise<number> } {
  const source = `import { parentPort as port } from 'node:worker_threads';\nconst post = (message) => port.postMessage(message);\n${body}`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
  return { worker, exited: new Promise((resolve) => worker.once('exit', resolve)) };
}

/** What a stand-in posts (typed here, so the stand-ins follow the real protocol). */
const msg = (message: PgliteWorkerMessage) => JSON.stringify(message);

/** Answers `saveTemplate` with `saved` and `close` by ending the thread, as the real worker does. */
const WELL_BEHAVED = `
  port.on('message', (request) => {
    post({ type: 'reply', id: request.id, ok: true, value: request.op === 'saveTemplate' });
    if (request.op === 'close') port.close();
  });
  post(${msg({ type: 'started', port: 54321, startedFrom: 'initdb' })});`;

function attach(worker: Worker, notes: string[] = []) {
  return attachPgliteWorker(worker, { maxConnections: 6, note: (m) => notes.push(m), ...DEADLINES });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PGlite worker client: start', () => {
  it('resolves the server the worker started, with its notes relayed', async () => {
    const notes: string[] = [];
    const { worker, exited } = standIn(`post(${msg({ type: 'note', message: 'PGlite: the cached data directory is damaged (incorrect header check); running initdb and replacing it' })});\n${WELL_BEHAVED}`);
    const server = await attach(worker, notes);
    expect(server).toMatchObject({ host: '127.0.0.1', port: 54321, maxConnections: 6, startedFrom: 'initdb' });
    expect(server.startMs).toBeGreaterThanOrEqual(0);
    expect(notes).toEqual(['PGlite: the cached data directory is damaged (incorrect header check); running initdb and replacing it']);
    expect(await server.saveTemplate()).toBe(true);
    await server.close();
    expect(await exited).toBe(0); // it ended by itself, after its reply
    await server.close(); // twice is fine
    expect(await server.saveTemplate()).toBe(false); // closed: nothing to save
  });

  it('a start failure reported by the worker rejects with DEMO_SETUP_FAILED and its reason, and the thread ends', async () => {
    // the stand-in stays alive after reporting: the client must end it
    const { worker, exited } = standIn(`post(${msg({ type: 'start-failed', message: 'initdb: out of memory' })});\nsetInterval(() => {}, 1_000);`);
    const error = await attach(worker).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'DemoError', code: 'DEMO_SETUP_FAILED', message: 'pg: PGlite failed to start: initdb: out of memory' });
    await exited;
  });

  it('an exception in the worker before it started rejects with the exception as the reason and cause', async () => {
    const { worker, exited } = standIn(`throw new Error('pglite.wasm: compile error');`);
    const error = await attach(worker).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DEMO_SETUP_FAILED', message: "pg: PGlite's worker thread failed (pglite.wasm: compile error) before PostgreSQL started" });
    expect((error as Error).cause).toMatchObject({ message: 'pglite.wasm: compile error' });
    await exited;
  });

  it('a worker that exits before it started rejects with its exit code', async () => {
    const { worker } = standIn(`process.exit(3);`);
    await expect(attach(worker)).rejects.toMatchObject({ code: 'DEMO_SETUP_FAILED', message: "pg: PGlite's worker thread exited (code 3) before PostgreSQL started" });
  });

  it('a worker entry that cannot be loaded rejects (no hang)', async () => {
    const worker = new Worker(new URL('data:text/javascript,import "./no-such-module.js";'));
    await expect(attach(worker)).rejects.toMatchObject({ code: 'DEMO_SETUP_FAILED', message: expect.stringMatching(/^pg: PGlite's worker thread failed \(.+\) before PostgreSQL started$/) });
  });

  it('a worker that never answers is given up at the start deadline and terminated', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { worker, exited } = standIn(`setInterval(() => {}, 1_000);`);
    let settled = false;
    const started = attach(worker).catch((caught: unknown) => caught).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(DEADLINES.startTimeoutMs - 1);
    expect(settled).toBe(false); // still waiting
    await vi.advanceTimersByTimeAsync(1);
    expect(await started).toMatchObject({ code: 'DEMO_SETUP_FAILED', message: 'pg: PGlite did not start within 45 s; its worker thread was terminated' });
    await exited; // terminated
  });
});

describe('PGlite worker client: after the start', () => {
  it('close() terminates a worker that does not stop within the close deadline, and says so', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const notes: string[] = [];
    // answers nothing once started, and keeps its thread busy with a timer
    const { worker, exited } = standIn(`port.on('message', () => {});\nsetInterval(() => {}, 1_000);\npost(${msg({ type: 'started', port: 54321, startedFrom: 'template' })});`);
    const server = await attach(worker, notes);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(DEADLINES.closeTimeoutMs - 1);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(notes).toEqual(['PGlite did not stop within 5 s; its worker thread is terminated']);
    await exited;
  });

  it('close() terminates a worker whose thread does not end after a graceful stop (it never keeps the process alive)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const notes: string[] = [];
    // answers the close, but something in it keeps the thread alive
    const { worker, exited } = standIn(`
      port.on('message', (request) => {
        post({ type: 'reply', id: request.id, ok: true, value: false });
        post({ type: 'note', message: 'stopped' });
      });
      setInterval(() => {}, 1_000);
      post(${msg({ type: 'started', port: 54321, startedFrom: 'template' })});`);
    const server = await attach(worker, notes);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    while (!notes.includes('stopped')) await new Promise((resolve) => setImmediate(resolve)); // the reply is in
    await vi.advanceTimersByTimeAsync(DEADLINES.closeTimeoutMs - 1);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closing;
    expect(notes).toEqual(['stopped', 'PGlite stopped, but its worker thread did not end within 5 s; it is terminated']);
    await exited;
  });

  it('a worker that dies during the run is reported as a note; a pending save rejects and close() still resolves', async () => {
    const notes: string[] = [];
    // crashes on the first request, as an uncaught exception in PGlite would
    const { worker, exited } = standIn(`port.on('message', () => { throw new Error('RuntimeError: unreachable'); });\npost(${msg({ type: 'started', port: 54321, startedFrom: 'initdb' })});`);
    const server = await attach(worker, notes);
    await expect(server.saveTemplate()).rejects.toThrow("PGlite's worker thread failed (RuntimeError: unreachable)");
    await exited;
    expect(notes).toEqual(['PGlite: its worker thread failed (RuntimeError: unreachable); PostgreSQL is gone for the rest of the run']);
    expect(await server.saveTemplate()).toBe(false); // gone: nothing to save
    await server.close();
  });

  it('a failed save is an error naming the operation; close() then stops the worker gracefully', async () => {
    const notes: string[] = [];
    const { worker, exited } = standIn(`
      port.on('message', (request) => {
        if (request.op === 'saveTemplate') post({ type: 'reply', id: request.id, ok: false, message: "EACCES: permission denied, open '/cache/pglite.tgz.tmp'" });
        else { post({ type: 'reply', id: request.id, ok: true, value: false }); port.close(); }
      });
      post(${msg({ type: 'started', port: 54321, startedFrom: 'initdb' })});`);
    const server = await attach(worker, notes);
    await expect(server.saveTemplate()).rejects.toThrow("PGlite could not save its data directory template: EACCES: permission denied, open '/cache/pglite.tgz.tmp'");
    await server.close();
    expect(await exited).toBe(0);
    expect(notes).toEqual([]);
  });

  it('a save that does not finish in time rejects at the save deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { worker, exited } = standIn(`port.on('message', () => {});\npost(${msg({ type: 'started', port: 54321, startedFrom: 'initdb' })});`);
    const server = await attach(worker);
    const saving = server.saveTemplate().catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(DEADLINES.saveTimeoutMs);
    expect(await saving).toMatchObject({ message: 'PGlite did not save its data directory template within 30 s' });
    const closing = server.close();
    await vi.advanceTimersByTimeAsync(DEADLINES.closeTimeoutMs);
    await closing;
    await exited;
  });
});

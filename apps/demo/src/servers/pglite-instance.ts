import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { messageOf } from './pglite-protocol.js';
import { readTemplate, TEMPLATE_NAME, writeTemplate } from './pglite-template.js';

/** PGlite and its socket server, as run inside the worker thread (see pglite-worker.ts). */
export interface PgliteInstance {
  readonly port: number;
  readonly startedFrom: 'template' | 'initdb';
  saveTemplate(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Starts PGlite (in memory) and a pglite-socket server in front of it on 127.0.0.1. The first
 * start runs initdb (seconds of WebAssembly); `saveTemplate()` then caches a gzipped data
 * directory in `cacheDir`, and later starts load it (about a second). A template that cannot be
 * read or loaded is reported through `note` and replaced by a fresh initdb.
 */
export async function openPglite(options: { cacheDir: string; maxConnections: number; note: (message: string) => void }): Promise<PgliteInstance> {
  const templatePath = join(options.cacheDir, TEMPLATE_NAME);
  const template = await readTemplate(templatePath, options.note);
  let startedFrom: 'template' | 'initdb' = template ? 'template' : 'initdb';
  // in memory, so durability settings only cost time
  const db = template
    ? await strayRejectionsAsNotes(options.note, async () => {
        try {
          return await PGlite.create({ relaxedDurability: true, loadDataDir: new Blob([template], { type: 'application/x-gzip' }) });
        } catch (error) {
          options.note(`PGlite: the cached data directory did not load (${messageOf(error)}); running initdb and replacing it`);
          startedFrom = 'initdb';
          return PGlite.create({ relaxedDurability: true });
        }
      })
    : await PGlite.create({ relaxedDurability: true });
  // pglite-socket serialises the queries of every connection through one queue (PGlite is a
  // single backend), so several connections work, one query at a time. Its default is 1.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => undefined); // the listen error is the one worth reporting
    throw error;
  }
  const port = Number(server.getServerConn().split(':').pop());
  let closed = false;
  return {
    port,
    startedFrom,
    async saveTemplate() {
      if (startedFrom === 'template' || closed) return false;
      await writeTemplate(templatePath, await db.dumpDataDir('gzip'));
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Runs `load`, reporting the thread's unhandled rejections meanwhile as notes: when an archive does
 * not load, PGlite leaves a rejected promise of its decompressor behind, which would otherwise end
 * the worker although the fallback initdb works.
 */
async function strayRejectionsAsNotes<T>(note: (message: string) => void, load: () => Promise<T>): Promise<T> {
  const seen = new Set<string>();
  const onRejection = (reason: unknown) => {
    const message = messageOf(reason);
    if (!seen.has(message)) note(`PGlite: ignored an error left behind by the failed load (${message})`);
    seen.add(message);
  };
  process.on('unhandledRejection', onRejection);
  try {
    return await load();
  } finally {
    await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported after the microtasks
    process.off('unhandledRejection', onRejection);
  }
}

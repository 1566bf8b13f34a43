import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { EmbeddedServer } from './line-server.js';

/** PGlite served over the PostgreSQL wire protocol on 127.0.0.1, plus how it started. */
export interface PgliteServer extends EmbeddedServer {
  /** The connection limit pglite-socket enforces (the demo's pg pool stays below it). */
  readonly maxConnections: number;
  /** 'template' when the cached data directory was loaded, 'initdb' when a fresh one was created. */
  readonly startedFrom: 'template' | 'initdb';
  readonly startMs: number;
  /** Saves the data directory as a template so the next start skips initdb (first run only). */
  saveTemplate(): Promise<boolean>;
}

// pglite-socket serialises queries from every connection through one queue (PGlite is a single
// backend), so several connections work, one query at a time. Its default is maxConnections: 1.
const TEMPLATE_NAME = 'pglite-0.5.14-template.tgz';

/**
 * Starts PGlite (in memory) and a pglite-socket server in front of it. The first start runs
 * initdb (several seconds of WebAssembly); `saveTemplate()` then caches a gzipped data directory
 * in `cacheDir`, and later starts load it (about a second).
 */
export async function startPgliteServer(options: { cacheDir: string; maxConnections: number; note: (message: string) => void }): Promise<PgliteServer> {
  const started = performance.now();
  const templatePath = join(options.cacheDir, TEMPLATE_NAME);
  let template: Buffer | undefined;
  try {
    template = await readFile(templatePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.note(`PGlite: cannot read the cached data directory (${(error as Error).message}); running initdb`);
    template = undefined; // first run: no cache yet
  }
  if (template) {
    // PGlite reports a bad archive as an unhandled rejection of its own: check it here first
    try {
      gunzipSync(template);
    } catch (error) {
      options.note(`PGlite: the cached data directory is damaged (${(error as Error).message}); running initdb and replacing it`);
      template = undefined;
    }
  }
  let db: PGlite;
  let startedFrom: 'template' | 'initdb' = template ? 'template' : 'initdb';
  try {
    // in memory, so durability settings only cost time
    db = await PGlite.create({ relaxedDurability: true, ...(template ? { loadDataDir: new Blob([template], { type: 'application/x-gzip' }) } : {}) });
  } catch (error) {
    if (!template) throw error;
    options.note(`PGlite: the cached data directory did not load (${(error as Error).message}); running initdb and replacing it`);
    db = await PGlite.create({ relaxedDurability: true });
    startedFrom = 'initdb';
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  let closed = false;
  return {
    host: '127.0.0.1',
    port,
    maxConnections: options.maxConnections,
    startedFrom,
    startMs: Math.round(performance.now() - started),
    async saveTemplate() {
      if (startedFrom === 'template' || closed) return false;
      const blob = await db.dumpDataDir('gzip');
      await mkdir(options.cacheDir, { recursive: true });
      const temporary = `${templatePath}.${process.pid}.tmp`;
      await writeFile(temporary, Buffer.from(await blob.arrayBuffer()));
      await rename(temporary, templatePath); // atomic: a concurrent demo never reads half a file
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

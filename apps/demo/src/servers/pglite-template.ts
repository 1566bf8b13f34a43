import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { messageOf } from './pglite-protocol.js';

/** The cached data directory, named after the PGlite version that wrote it. */
export const TEMPLATE_NAME = 'pglite-0.5.14-template.tgz';

/**
 * Reads the cached data directory template: undefined on a first run (no file), and undefined
 * with a note when it cannot be read or is not a gzipped tar. PGlite handles a bad archive badly
 * (it retries and leaves an unhandled rejection behind), so the archive is checked here first.
 */
export async function readTemplate(path: string, note: (message: string) => void): Promise<Buffer | undefined> {
  let template: Buffer;
  try {
    template = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') note(`PGlite: cannot read the cached data directory (${messageOf(error)}); running initdb`);
    return undefined; // first run: no cache yet
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(template);
  } catch (error) {
    note(`PGlite: the cached data directory is damaged (${messageOf(error)}); running initdb and replacing it`);
    return undefined;
  }
  // a POSIX tar starts with a 512-byte header whose magic at offset 257 is "ustar"
  if (tar.subarray(257, 262).toString('latin1') !== 'ustar') {
    note('PGlite: the cached data directory is damaged (not a tar archive); running initdb and replacing it');
    return undefined;
  }
  return template;
}

/** Writes the template atomically: a concurrent demo never reads half a file. */
export async function writeTemplate(path: string, gzipped: Blob): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}-${threadId}.tmp`;
  try {
    await writeFile(temporary, Buffer.from(await gzipped.arrayBuffer()));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * The watchdog: one small detached Node process per test process that knows every private server
 * (its main process) and temp directory this process made. It reads their registrations on its stdin;
 * when the stdin pipe closes, because this process exited, crashed or was SIGKILLed (a vitest worker
 * torn down mid-test), it kills each server's whole process tree (SIGKILL, frozen or not) and removes
 * their directories. A crashed run never leaves a server, frozen or not, or a temp dir behind.
 * Detached (its own session), so a Ctrl-C on the terminal does not take it down before it cleans up.
 */
const SCRIPT = `
const fs = require('node:fs');
const entries = new Map();
let buffer = '';
let done = false;
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(signal, cleanup);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  for (let at = buffer.indexOf('\\n'); at >= 0; at = buffer.indexOf('\\n')) {
    const line = buffer.slice(0, at);
    buffer = buffer.slice(at + 1);
    let message;
    try { message = JSON.parse(line); } catch { continue; }
    if (message.op === 'del') entries.delete(message.id);
    else entries.set(message.id, Object.assign(entries.get(message.id) || {}, message));
  }
});
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
function processes() {
  const all = [];
  let names = [];
  try { names = fs.readdirSync('/proc'); } catch {}
  for (const name of names) {
    if (!/^\\d+$/.test(name)) continue;
    try {
      const text = fs.readFileSync('/proc/' + name + '/stat', 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      all.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {}
  }
  return all;
}
function killTree(root) {
  try { process.kill(root, 'SIGSTOP'); } catch { return; }
  const tree = new Set([root]);
  const all = processes();
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!tree.has(p.pid) && (tree.has(p.ppid) || (p.pgid !== p.pid && tree.has(p.pgid)))) { tree.add(p.pid); grew = true; }
    }
  }
  for (const pid of tree) { try { process.kill(pid, 'SIGKILL'); } catch {} }
}
function cleanup() {
  if (done) return;
  done = true;
  for (const entry of entries.values()) {
    if (typeof entry.pid === 'number' && entry.pid > 1) killTree(entry.pid);
  }
  setTimeout(() => {
    for (const entry of entries.values()) {
      if (typeof entry.dir === 'string' && entry.dir.length > 8) {
        try { fs.rmSync(entry.dir, { recursive: true, force: true }); } catch {}
      }
    }
    process.exit(0);
  }, 500);
}
`;

let child: ChildProcess | undefined;
let input: Writable | undefined;
let nextId = 1;

function channel(): Writable {
  if (input !== undefined && child !== undefined && child.exitCode === null && child.signalCode === null) return input;
  const started = spawn(process.execPath, ['-e', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  started.unref();
  const stdin = started.stdin as Writable & { unref?: () => void };
  stdin.on('error', () => undefined); // the watchdog gone: nothing to tell it any more
  stdin.unref?.();
  (stdin as unknown as { _handle?: { unref?: () => void } })._handle?.unref?.();
  child = started;
  input = stdin;
  return stdin;
}

/** What the watchdog cleans up for one registration: a server's process tree (its main pid; 0 = none) and/or a directory. */
export interface Guarded {
  pid?: number;
  dir?: string;
}

/** A registration with the watchdog: update it as the server's main process changes, drop it once cleaned up. */
export interface WatchdogEntry {
  update(guarded: Guarded): void;
  drop(): void;
}

export function guard(guarded: Guarded): WatchdogEntry {
  const id = nextId++;
  const send = (message: object) => {
    channel().write(`${JSON.stringify(message)}\n`);
  };
  send({ op: 'set', id, ...guarded });
  let dropped = false;
  return {
    update(more) {
      if (!dropped) send({ op: 'set', id, ...more });
    },
    drop() {
      if (dropped) return;
      dropped = true;
      send({ op: 'del', id });
    },
  };
}

/** The watchdog's pid (tests check that it cleans up after a killed process). */
export function watchdogPid(): number | undefined {
  return child?.pid;
}

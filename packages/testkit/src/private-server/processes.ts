import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1, as the OS hands it out (free when probed; the caller may still lose a race). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, T (stopped), Z (zombie)... */
  state: string;
}

function readProcess(pid: number): ProcessInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

function allProcesses(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const all: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info !== undefined && info.state !== 'Z' && info.state !== 'X') all.push(info);
  }
  return all;
}

/**
 * The live (not zombie) processes of the tree rooted at `root`: the root, its descendants, and
 * anything in their process groups (PostgreSQL backends each lead their own group). Linux /proc;
 * on other systems just the root when it is alive.
 */
export function processTree(root: number): ProcessInfo[] {
  const all = allProcesses();
  if (all.length === 0) return isAlive(root) ? [{ pid: root, ppid: 0, pgid: root, state: '?' }] : [];
  const inTree = new Set<number>([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (!inTree.has(info.pid) && (inTree.has(info.ppid) || (info.pgid !== info.pid && inTree.has(info.pgid)))) {
        inTree.add(info.pid);
        grew = true;
      }
    }
  }
  return all.filter((info) => inTree.has(info.pid));
}

/**
 * Signals the whole tree of `root`. The root (PostgreSQL's postmaster) is stopped first so that it
 * forks nothing new while its children are found; SIGCONT wakes children before the root.
 */
export function signalTree(root: number, signal: 'SIGSTOP' | 'SIGCONT' | 'SIGKILL'): number {
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  if (signal === 'SIGCONT') {
    const tree = processTree(root);
    for (const info of tree) if (info.pid !== root) send(info.pid, 'SIGCONT');
    send(root, 'SIGCONT');
    return tree.length;
  }
  if (!send(root, 'SIGSTOP')) return 0;
  let signalled = new Set<number>();
  // twice: a child forked just before the root stopped shows up on the second look
  for (let round = 0; round < 2; round++) {
    for (const info of processTree(root)) {
      if (info.pid === root || signalled.has(info.pid)) continue;
      send(info.pid, signal);
      signalled.add(info.pid);
    }
  }
  if (signal === 'SIGKILL') send(root, 'SIGKILL');
  signalled = new Set([...signalled, root]);
  return signalled.size;
}

/** Waits (bounded) until no live process is left in the tree of `root`. */
export async function waitTreeGone(root: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (processTree(root).length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
}

/** Whether process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const info = readProcess(pid);
  if (info !== undefined) return info.state !== 'Z' && info.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The uid/gid of OS user `name` from /etc/passwd, or undefined when there is none. */
export function osUser(name: string): { uid: number; gid: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Which OS user a server must run as: none (this process's own) unless we are root, then `name`
 * (PostgreSQL refuses to run as root; MariaDB wants its own user).
 */
export function serviceUser(name: string): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const user = osUser(name);
  if (user === undefined) throw new Error(`running as root, and there is no OS user "${name}" to run the server as (install the server's Debian package)`);
  return user;
}

import type { ListenerBaseline } from '@pool/core/adapter-kit';
import type { Redis } from 'ioredis';

/**
 * What a borrower did to a connection's session since its last reset, learnt by watching every
 * command the client sends (ioredis routes commands, pipelines and MULTI blocks through
 * `sendCommand`). Reset on release undoes exactly this, so a release after plain commands costs no
 * round trip at all.
 */
export interface SessionState {
  /** WATCH was sent: UNWATCH on release. */
  watched: boolean;
  /** MULTI was sent without EXEC or DISCARD yet: the connection is destroyed on release. */
  inMulti: boolean;
  /** SELECT was sent: SELECT back to the configured db on release. */
  selected: boolean;
  /** CLIENT SETNAME was sent: the configured name is restored on release. */
  renamed: boolean;
  /**
   * A command whose effect cannot be undone safely was sent (RESET, HELLO, AUTH as another user,
   * MONITOR, QUIT, CLIENT REPLY, CLIENT TRACKING, ...): the connection is destroyed on release.
   * Holds the command's name.
   */
  tainted: string | undefined;
  /** The last connection-level error ioredis emitted (redacted), if any. */
  lastError: Error | undefined;
  /** The connection's own listeners, recorded after connect: release removes any a borrower added. */
  listeners: ListenerBaseline | undefined;
}

interface SentCommand {
  name: string;
  args: unknown[];
}

const states = new WeakMap<Redis, SessionState>();

/**
 * CLIENT subcommands that leave this connection's session as it was: reads, SETINFO (a label in
 * CLIENT LIST), and those that act on other clients or the server (KILL, PAUSE, UNBLOCK).
 */
const sessionNeutralClientSubcommands = new Set(['id', 'info', 'list', 'getname', 'getredir', 'trackinginfo', 'help', 'setinfo', 'kill', 'pause', 'unpause', 'unblock']);

function argName(value: unknown): string {
  if (typeof value === 'string') return value.toLowerCase();
  if (Buffer.isBuffer(value)) return value.toString('latin1').toLowerCase();
  return String(value).toLowerCase();
}

/** Updates `state` for one command about to be sent. */
export function noteCommand(state: SessionState, command: SentCommand): void {
  // generated methods send lower case names; `client.call('MULTI')` keeps the caller's case
  const name = typeof command.name === 'string' ? command.name.toLowerCase() : '';
  switch (name) {
    case 'watch':
      state.watched = true;
      return;
    case 'multi':
      state.inMulti = true;
      return;
    case 'exec':
    case 'discard':
      state.inMulti = false;
      state.watched = false; // EXEC and DISCARD both unwatch every key
      return;
    case 'unwatch':
      state.watched = false;
      return;
    case 'select':
      state.selected = true;
      return;
    case 'reset':
    case 'hello':
    case 'auth':
    case 'monitor':
    case 'sync':
    case 'psync':
    case 'replconf':
    case 'quit':
      state.tainted ??= name.toUpperCase();
      return;
    case 'client': {
      const sub = argName(command.args[0]);
      if (sessionNeutralClientSubcommands.has(sub)) return;
      if (sub === 'setname') state.renamed = true;
      else state.tainted ??= `CLIENT ${sub.toUpperCase()}`;
      return;
    }
    default:
  }
}

/** Marks the session clean (after a successful reset). */
export function markClean(state: SessionState): void {
  state.watched = false;
  state.inMulti = false;
  state.selected = false;
  state.renamed = false;
  state.tainted = undefined;
}

/**
 * The AUTH ioredis sends with the configured credentials in the handshake of a reconnect (a
 * borrower's own `disconnect()` then `connect()`): the configured session, not a borrower's AUTH as
 * another user. Taken for one, it got every reconnected connection of a pool with a password
 * destroyed on release, where one without a password was kept.
 */
function isHandshakeAuth(client: Redis, command: SentCommand, credentials: readonly string[] | undefined): boolean {
  if (credentials === undefined || client.status !== 'connect') return false;
  if (typeof command.name !== 'string' || command.name.toLowerCase() !== 'auth') return false;
  const args = command.args.flat();
  return args.length === credentials.length && args.every((arg, index) => String(arg) === credentials[index]);
}

/**
 * Starts tracking `client`'s session: wraps its `sendCommand` (an own property, so only this
 * instance changes) and returns the state object. `credentials` are the AUTH arguments of the
 * configured user (see isHandshakeAuth).
 */
export function trackSession(client: Redis, credentials?: readonly string[]): SessionState {
  const state: SessionState = { watched: false, inMulti: false, selected: false, renamed: false, tainted: undefined, lastError: undefined, listeners: undefined };
  const target = client as unknown as { sendCommand: (command: SentCommand, ...rest: unknown[]) => unknown };
  const send = target.sendCommand;
  target.sendCommand = function sendTracked(this: unknown, command: SentCommand, ...rest: unknown[]) {
    if (!isHandshakeAuth(client, command, credentials)) noteCommand(state, command);
    return send.call(client, command, ...rest);
  };
  states.set(client, state);
  return state;
}

/** The tracked state of a client this package created, or undefined for any other client. */
export function sessionOf(client: Redis): SessionState | undefined {
  return states.get(client);
}

/**
 * Replies still owed to this client: commands written whose reply is not read yet, plus commands
 * `enableAutoPipelining` holds for its next flush (a `process.nextTick` later: released unawaited,
 * they would otherwise be written in the next borrower's session, after its SELECT or inside its
 * MULTI). Release waits for them (see release-drain.ts).
 */
export function repliesInFlight(client: Redis): number {
  const { commandQueue, autoPipelineQueueSize } = client as unknown as { commandQueue?: { length?: unknown }; autoPipelineQueueSize?: unknown };
  const written = typeof commandQueue?.length === 'number' ? commandQueue.length : 0;
  return written + (typeof autoPipelineQueueSize === 'number' ? autoPipelineQueueSize : 0);
}

/** True while the client is in (P|S)SUBSCRIBE mode. */
export function inSubscriberMode(client: Redis): boolean {
  return Boolean(client.condition?.subscriber);
}

import type { PrivateHttpServer, PrivateMariadb, PrivatePostgres, PrivateRedisServer } from '@pool/testkit';
import type { Load } from './load.js';
import type { FaultTimes } from './types.js';

export type FaultServer = PrivatePostgres | PrivateMariadb | PrivateRedisServer | PrivateHttpServer;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One fault: what it does to the server, timed on the samples' clock. */
export interface Scenario {
  id: 'restart' | 'freeze' | 'kill-idle';
  title: string;
  /** How long after the server is back the load keeps running: at least `minMs`, then until full throughput, at most `maxMs`. */
  observe: { minMs: number; maxMs: number };
  /** Run one row of each engine at the same time (each on its own server) to keep the run short. */
  sideBySide: boolean;
  inject(server: FaultServer, load: Load): Promise<FaultTimes>;
}

/** Every engine's "end the idle sessions": pg_terminate_backend, KILL CONNECTION, CLIENT KILL TYPE normal, HTTP's idle keep-alive connections closed. */
export function killIdleSessions(server: FaultServer): Promise<number> {
  if (server.kind === 'postgres') return server.terminateIdleBackends();
  if (server.kind === 'mariadb') return server.killIdleConnections();
  if (server.kind === 'http') return server.closeIdleConnections();
  return server.killClients();
}

export function restartScenario(downMs: number, observe: { minMs: number; maxMs: number }): Scenario {
  return {
    id: 'restart',
    title: `restart under load: clean shutdown, ${downMs} ms down, start again on the same port`,
    observe,
    sideBySide: false,
    async inject(server) {
      const times = await server.restart({ downMs });
      return { faultAt: times.stoppingAt, outageAt: times.downAt, backAt: times.readyAt };
    },
  };
}

export function freezeScenario(freezeMs: number, observe: { minMs: number; maxMs: number }): Scenario {
  return {
    id: 'freeze',
    title: `freeze: SIGSTOP of the server's processes for ${freezeMs / 1000} s under load, then SIGCONT`,
    observe,
    // one engine at a time: with three frozen at once, the three pools' checks and failures land in
    // the same few milliseconds of one event loop, and each engine's slowest call carried the others' work
    sideBySide: false,
    async inject(server) {
      const faultAt = performance.now();
      server.freeze();
      try {
        await sleep(freezeMs);
      } finally {
        server.thaw();
      }
      // replies the server sent before it stopped may still be read late by a busy event loop
      return { faultAt, outageAt: faultAt + Math.min(1_000, freezeMs / 2), backAt: performance.now() };
    },
  };
}

/**
 * The server ends every idle session under load (PostgreSQL `pg_terminate_backend` of the idle
 * backends, MariaDB `KILL CONNECTION` of the sleeping ones, Redis `CLIENT KILL TYPE normal`): with
 * one-shot `SELECT 1` calls most sessions are idle at any instant, between a reply and the next call.
 * Failures here are calls in flight on a killed session, or a pool lending one it was told had died.
 */
export function killIdleScenario(observe: { minMs: number; maxMs: number }): Scenario {
  return {
    id: 'kill-idle',
    title: 'idle sessions ended by the server under load (pg_terminate_backend / KILL CONNECTION / CLIENT KILL TYPE normal)',
    observe,
    sideBySide: true,
    async inject(server) {
      const faultAt = performance.now();
      await killIdleSessions(server);
      // the sessions are gone once the command returned: recovery is counted from there
      const killedAt = performance.now();
      return { faultAt, outageAt: killedAt, backAt: killedAt };
    },
  };
}

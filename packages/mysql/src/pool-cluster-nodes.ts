import type { ClusterSelector } from './pool-cluster-select.js';
import { patternRegExp } from './pool-cluster-select.js';
import type { ClusterNode } from './pool-cluster-node.js';

/** A cluster's settings after mysql2's defaults. */
export interface ClusterSettings {
  canRetry: boolean;
  removeNodeErrorCount: number;
  restoreNodeTimeout: number;
  defaultSelector: ClusterSelector;
}

/** The cluster's events, as mysql2's PoolCluster emits them. */
export type ClusterEmit = (event: 'warn' | 'remove' | 'online' | 'offline', payload: unknown) => void;

/**
 * The nodes of a PoolCluster and mysql2's bookkeeping of them: the ids in the order they were added,
 * patterns matched against them (cached until a node comes or goes), each node's error count, and
 * when a node goes offline (`restoreNodeTimeout`), comes back online, or is removed.
 */
export class ClusterNodes {
  closed = false;
  /** Aborted when the cluster ends: a borrow pausing between tries wakes to fail with POOL_CLOSED. */
  readonly #ended = new AbortController();
  private readonly nodes = new Map<string, ClusterNode>();
  /** Removed nodes whose pools are still ending (their borrowed connections not back yet): the cluster's `end()` waits for them too. */
  private readonly ending = new Map<ClusterNode, Promise<void>>();
  private readonly found = new Map<string, readonly string[]>();

  constructor(readonly settings: ClusterSettings, private readonly emit: ClusterEmit) {}

  /** Aborted once the cluster ends. */
  get endSignal(): AbortSignal {
    return this.#ended.signal;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  get(id: string): ClusterNode | undefined {
    return this.nodes.get(id);
  }

  all(): IterableIterator<ClusterNode> {
    return this.nodes.values();
  }

  add(node: ClusterNode): void {
    this.nodes.set(node.id, node);
    this.found.clear();
  }

  /**
   * The ids matching `pattern`, in the order they were added: only the online ones (none offline,
   * or whose `restoreNodeTimeout` has passed) unless `includeOffline`.
   */
  find(pattern: string | RegExp, includeOffline = false): readonly string[] {
    const key = String(pattern);
    let ids = this.found.get(key);
    if (ids === undefined) {
      const expression = patternRegExp(pattern);
      ids = [...this.nodes.keys()].filter((id) => {
        // a RegExp with the g or y flag keeps a lastIndex between tests: mysql2's id.match() starts each at 0
        expression.lastIndex = 0;
        return expression.test(id);
      });
      this.found.set(key, ids);
    }
    if (includeOffline) return ids;
    let now = 0;
    return ids.filter((id) => {
      const until = this.nodes.get(id)!.offlineUntil;
      if (until === 0) return true;
      now ||= performance.now();
      return until <= now;
    });
  }

  /** mysql2's 'warn': a borrow failed on a node and moves on to the next try. */
  warn(error: unknown): void {
    this.emit('warn', error);
  }

  /** Takes a node out of the cluster (no event: `remove(pattern)` emits none, as in mysql2); its pool ends. */
  remove(node: ClusterNode): void {
    if (this.nodes.get(node.id) !== node) return;
    this.nodes.delete(node.id);
    this.found.clear();
    const ended = node.remove();
    this.ending.set(node, ended);
    void ended.then(() => this.ending.delete(node));
  }

  /**
   * Ends every node's pool, removed ones still ending included (so `end({ timeoutMs })` bounds their
   * wait for borrowed connections too), and resolves once all have ended; no borrow starts afterwards.
   */
  end(end: (node: ClusterNode) => Promise<void>): Promise<void> {
    this.closed = true;
    this.#ended.abort();
    return Promise.all([...[...this.nodes.values()].map(end), ...[...this.ending].map(([node, ended]) => Promise.all([end(node).catch(() => undefined), ended]))]).then(() => undefined);
  }

  /** A borrow failed on `node`: at `removeNodeErrorCount` it goes offline for `restoreNodeTimeout` ('offline'), or is removed ('remove') without one. */
  failed(node: ClusterNode): void {
    const errorCount = ++node.errorCount;
    if (this.settings.removeNodeErrorCount > errorCount) return;
    if (this.settings.restoreNodeTimeout > 0) {
      node.offlineUntil = performance.now() + this.settings.restoreNodeTimeout;
      this.emit('offline', node.id);
      return;
    }
    if (this.nodes.get(node.id) !== node) return;
    this.remove(node);
    this.emit('remove', node.id);
  }

  /** A borrow succeeded on `node`: its error count goes down by one, and an offline node is online again ('online'). */
  succeeded(node: ClusterNode): void {
    node.errorCount = Math.max(Math.min(node.errorCount, this.settings.removeNodeErrorCount), 1) - 1;
    if (node.offlineUntil !== 0) {
      node.offlineUntil = 0;
      this.emit('online', node.id);
    }
  }
}

import { PoolOptionError } from '@pool/core';
import pg from 'pg';
import { PgScaleError } from './scale-errors.js';

/**
 * What sits between the pool and PostgreSQL. `'transaction'`: a transaction-mode pooler (PgBouncer
 * `pool_mode = transaction`, RDS Proxy, Supavisor), where consecutive statements of one client may
 * run on different server connections, so nothing may rely on the session. `'session'`: a
 * session-mode pooler, which behaves like a direct connection (nothing changes).
 */
export type PoolerMode = 'transaction' | 'session';

interface Rule {
  feature: string;
  test: RegExp;
  why: string;
}

/** Statements whose effect outlives the transaction: on a transaction pooler they would leak to, or be lost on, other clients' server connections. */
const rules: Rule[] = [
  { feature: 'LISTEN', test: /^LISTEN\b/i, why: 'notifications are delivered to one server session, which the pooler hands to other clients' },
  { feature: 'SET', test: /^SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i, why: 'a session setting stays on a server connection other clients get; use SET LOCAL inside a transaction' },
  { feature: 'RESET', test: /^(RESET|DISCARD)\b/i, why: 'it resets whichever server connection the pooler picked, not yours' },
  { feature: 'advisory lock', test: /\bpg_(try_)?advisory_(un)?lock(_shared|_all)?\s*\(/i, why: 'a session advisory lock stays held on a server connection other clients get; use pg_advisory_xact_lock inside a transaction' },
  { feature: 'temporary table', test: /^CREATE\s+((GLOBAL|LOCAL)\s+)?TEMP(ORARY)?\s+(TABLE|VIEW|SEQUENCE)\b(?![\s\S]*\bON\s+COMMIT\s+DROP\b)/i, why: 'the next statement may run on another server connection, without the table; use ON COMMIT DROP inside a transaction' },
  { feature: 'PREPARE', test: /^PREPARE\s/i, why: 'a prepared statement lives on one server connection; pass parameters to query() instead' },
  { feature: 'WITH HOLD cursor', test: /^DECLARE\b[\s\S]*\bWITH\s+HOLD\b/i, why: 'a held cursor outlives the transaction on one server connection' },
];

/**
 * Splits SQL text into statements at top-level `;`, with comments (`--`, nested `/* *\/`) replaced
 * by a blank, and quoted text ('...', "...", $tag$...$tag$) kept as it is but never split or read as
 * a comment. Leading blanks are trimmed from each statement.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? n : end;
      current += ' ';
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
      current += ' ';
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      current += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '$' && /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.test(text.slice(i, i + 64)) && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const tag = (/^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(text.slice(i, i + 64)) as RegExpExecArray)[0];
      const end = text.indexOf(tag, i + tag.length);
      const stop = end === -1 ? n : end + tag.length;
      current += text.slice(i, stop);
      i = stop;
    } else if (c === ';') {
      statements.push(current.trimStart());
      current = '';
      i++;
    } else {
      current += c;
      i++;
    }
  }
  statements.push(current.trimStart());
  return statements.filter((statement) => statement !== '');
}

/**
 * The session feature a statement needs, or undefined. Checks each statement of the text (see
 * {@link splitStatements}); a function call such as `pg_advisory_lock(` is found anywhere in it.
 */
export function sessionFeatureOf(text: string): Rule | undefined {
  for (const statement of splitStatements(text)) {
    for (const rule of rules) if (rule.test.test(statement)) return rule;
  }
  return undefined;
}

/** The typed error for a refused statement. */
function refusal(rule: Rule): PgScaleError {
  return new PgScaleError(
    'PG_POOLER_SESSION_FEATURE',
    `pooler: 'transaction' refuses ${rule.feature}: ${rule.why}. Run it on a direct connection (or a session-mode pooler).`,
    { feature: rule.feature },
  );
}

type ClientClass = new (config: pg.ClientConfig) => pg.Client;

const guarded = new WeakMap<ClientClass, ClientClass>();

/**
 * A subclass of `Base` whose `query` never sends a named prepared statement (a `name` is dropped,
 * so the statement runs unnamed: parsed each time, same result) and refuses statements that need a
 * session (see {@link sessionFeatureOf}) with PG_POOLER_SESSION_FEATURE, through the callback or
 * the promise, as pg reports a query error.
 */
export function transactionPoolerClient(Base: ClientClass = pg.Client): ClientClass {
  const known = guarded.get(Base);
  if (known !== undefined) return known;
  const Guarded = class TransactionPoolerClient extends (Base as typeof pg.Client) {
    override query(...args: unknown[]): any {
      const config = args[0] as { text?: unknown; name?: unknown; submit?: unknown } | string | null | undefined;
      const text = typeof config === 'string' ? config : config?.text;
      const rule = typeof text === 'string' ? sessionFeatureOf(text) : undefined;
      if (rule !== undefined) {
        const error = refusal(rule);
        const callback = [args[2], args[1]].find((arg) => typeof arg === 'function') as ((error: Error) => void) | undefined;
        if (typeof config === 'object' && config !== null && typeof config.submit === 'function') throw error;
        if (callback !== undefined) {
          process.nextTick(callback, error);
          return undefined;
        }
        return Promise.reject(error);
      }
      if (typeof config === 'object' && config !== null && config.name !== undefined) {
        if (typeof config.submit === 'function') config.name = undefined; // a Query/Cursor object: unname it in place
        else args[0] = { ...config, name: undefined };
      }
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
  } as unknown as ClientClass;
  guarded.set(Base, Guarded);
  return Guarded;
}

/**
 * Applies `pooler` to a provider config: with `'transaction'`, the client class becomes
 * {@link transactionPoolerClient} of the given one, and `resetQuery` is refused (the pooler decides
 * which server connection a statement runs on; `DISCARD ALL` would hit another client's). Returns the
 * config without `pooler`.
 */
export function withPoolerMode<C extends object>(config: C): C {
  if (typeof config !== 'object' || config === null || !('pooler' in config)) return config;
  const source = config as { pooler?: unknown; resetQuery?: unknown; Client?: unknown };
  const { pooler } = source;
  // a copy with descriptors, so a hidden (non-enumerable) password stays hidden
  const out: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(config)) {
    if (key === 'pooler') continue;
    Object.defineProperty(out, key, { ...(Object.getOwnPropertyDescriptor(config, key) as PropertyDescriptor), configurable: true });
  }
  if (pooler === undefined || pooler === 'session') return out as C;
  if (pooler !== 'transaction') {
    throw new PoolOptionError('pooler', `Expected \`pooler\` to be "transaction" or "session", got ${JSON.stringify(pooler)}`);
  }
  if (source.resetQuery !== undefined) {
    throw new PoolOptionError('resetQuery', "`resetQuery` cannot work with pooler: 'transaction': the pooler runs it on whichever server connection it picks, not the one you used (PgBouncer's own server_reset_query is the place for it)");
  }
  if (source.Client !== undefined && typeof source.Client !== 'function') throw new PoolOptionError('Client', 'Expected `Client` to be a pg.Client class');
  out.Client = transactionPoolerClient((source.Client as ClientClass | undefined) ?? pg.Client);
  return out as C;
}

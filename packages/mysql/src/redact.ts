/** What replaces a secret in messages, stacks and URLs. */
export const REDACTED = '***';

/** The config keys that hold secrets. */
export const secretKeys = ['password', 'password1', 'password2', 'password3', 'passwordSha1', 'uri'] as const;

/** A mysql:// URL with its password replaced by `***`; unparseable input keeps only what is before the credentials. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token/i.test(key)) url.searchParams.set(key, REDACTED);
    }
    return url.toString();
  } catch {
    return raw.replace(/\/\/([^:/@]*):[^@]*@/, `//$1:${REDACTED}@`);
  }
}

/**
 * Replaces every occurrence of each secret in an error's message, stack and `sql`, in place, down
 * its `cause` chain. Returns the same error. A belt-and-braces step at the create boundary: mysql2's
 * own messages do not quote passwords, but a URL or a config echoed back must never carry one.
 */
export function scrubError<E>(error: E, secrets: readonly string[]): E {
  const active = secrets.filter((secret) => secret.length > 0);
  if (active.length === 0) return error;
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const target = current as Record<string, unknown>;
    for (const key of ['message', 'stack', 'sql', 'sqlMessage']) {
      const value = target[key];
      if (typeof value !== 'string') continue;
      let clean = value;
      for (const secret of active) clean = clean.split(secret).join(REDACTED);
      if (clean !== value) {
        try {
          target[key] = clean;
        } catch {
          // a read-only property: nothing more we can do for it
        }
      }
    }
    current = target.cause;
  }
  return error;
}

/**
 * Removes the password fields from a connected mysql2 connection's config, so no logger, inspect
 * (even with `showHidden`) or JSON of the connection can print them. mysql2 reads them only during
 * the handshake and in `changeUser()`, which on a pooled connection must then be given the password
 * explicitly.
 */
export function forgetSecrets(config: object): void {
  const target = config as Record<string, unknown>;
  for (const key of secretKeys) {
    if (key in target) target[key] = undefined;
  }
}

/** The secret strings of a config (a password, and the password inside a URL), to scrub from errors. */
export function secretsOf(config: Record<string, unknown>): string[] {
  const secrets: string[] = [];
  for (const key of ['password', 'password1', 'password2', 'password3'] as const) {
    const value = config[key];
    if (typeof value === 'string' && value.length > 0) secrets.push(value);
  }
  if (typeof config.uri === 'string') {
    try {
      const url = new URL(config.uri);
      if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password));
    } catch {
      // an unparseable URI: mysql2 rejects it and scrubError has nothing to look for
    }
  }
  return secrets;
}

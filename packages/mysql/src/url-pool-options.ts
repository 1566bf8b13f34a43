/** mysql2's pool options, which a mysql:// URL may carry in its query string (`?connectionLimit=5`). */
const urlPoolKeys = ['connectionLimit', 'waitForConnections', 'queueLimit', 'maxIdle', 'idleTimeout', 'resetOnRelease'] as const;

/**
 * The pool options a config takes from its URL, as mysql2's `createPool` does: for a URL string or an
 * object's `uri`, each pool key in the query string is read as JSON (else as the plain string) and
 * fills the key unless the object already has a truthy value for it (mysql2's rule, so an explicit
 * `connectionLimit: 0` yields to the URL's). A URL that does not parse gives nothing here: the URL
 * check refuses it, without quoting it.
 */
export function poolOptionsFromUrl(source: Record<string, unknown>): Record<string, unknown> {
  const uri = source.uri;
  if (typeof uri !== 'string' || !URL.canParse(uri)) return {};
  const params = new URL(uri).searchParams;
  const taken: Record<string, unknown> = {};
  for (const key of urlPoolKeys) {
    const value = params.get(key);
    if (value === null || source[key]) continue;
    taken[key] = parseParam(value);
  }
  return taken;
}

function parseParam(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

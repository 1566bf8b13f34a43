/** Query parameters whose values are treated as secrets. */
export const secretParams = /^(token|access_token|id_token|refresh_token|auth|authorization|password|passwd|pwd|pass|secret|client_secret|key|api_key|apikey|api-key|signature|sig|jwt|session|sessionid|code|ticket|credential|credentials)$/i;

/**
 * The URL with its user info (`user:pass@`) and the values of secret-looking query parameters
 * (`token`, `access_token`, `key`, `signature`...) replaced by `***`. A string that is not a URL
 * becomes `<invalid url>`, since it may be anything.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return '<invalid url>';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '***';
    parsed.password = '';
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (secretParams.test(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * Removes every occurrence of the given secrets from a message (an underlying library may echo a URL
 * or a header value). Secrets shorter than 4 characters are left alone to keep messages readable.
 */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

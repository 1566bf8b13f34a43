/** The caller's stack, captured when a statement is issued, to put on its error if it fails. */
export interface CallSite {
  stack?: string;
}

/** Captures the stack above `above` (a public method, left out of the trace). */
export function captureCallSite(above: Function): CallSite {
  const site: CallSite = {};
  Error.captureStackTrace(site, above);
  return site;
}

/**
 * Gives `error` the caller's stack: an error from the driver's socket callback otherwise shows
 * only driver frames. The first line keeps the error's own name and message.
 */
export function applyCallSite(error: unknown, site: CallSite | undefined): void {
  if (site === undefined || typeof site.stack !== 'string' || !(error instanceof Error)) return;
  const newline = site.stack.indexOf('\n');
  if (newline === -1) return;
  try {
    error.stack = `${error.name}: ${error.message}${site.stack.slice(newline)}`;
  } catch {
    // a frozen error keeps its own stack
  }
}

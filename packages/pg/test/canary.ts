import { inspect } from 'node:util';
import type { PoolLogger } from '@pool/core';
import { expect } from 'vitest';

/** The password the secrets tests use: URL-special characters, so its encoded form differs. */
export const CANARY = 'CANARY-p@ss:w/rd%7-zq';
const forms = [CANARY, encodeURIComponent(CANARY)];

/** Everything a user could see: messages, stacks, causes, own properties, deeply inspected. */
export function visible(value: unknown): string {
  return inspect(value, { depth: 8, showHidden: false, getters: false }) + (value instanceof Error ? `\n${value.stack ?? ''}` : '');
}

/** Fails with the surrounding text of every place the canary (or its URL-encoded form) shows up. */
export function expectNoCanary(things: unknown[]): void {
  const leaks: string[] = [];
  things.forEach((thing, index) => {
    const text = visible(thing);
    for (const form of forms) {
      const at = text.indexOf(form);
      if (at !== -1) leaks.push(`#${index}: ...${text.slice(Math.max(0, at - 300), at + form.length + 20)}`);
    }
  });
  expect(leaks).toEqual([]);
}

/** A pino-shaped logger that keeps every [fields, message] pair it gets. */
export function recordingLogger(lines: unknown[]): PoolLogger {
  const log = (fields: unknown, message?: unknown) => lines.push([fields, message]);
  return { debug: log, info: log, warn: log, error: log };
}

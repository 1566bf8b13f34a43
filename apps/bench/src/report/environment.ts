import { cpus } from 'node:os';

/** Where and when the numbers were taken. */
export interface Environment {
  node: string;
  cpu: string;
  cores: number;
  platform: string;
  date: string;
  gcExposed: boolean;
}

/** The current process's environment. */
export function environment(): Environment {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

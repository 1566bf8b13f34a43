/** Seconds since `startNs` (a process.hrtime.bigint() value). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

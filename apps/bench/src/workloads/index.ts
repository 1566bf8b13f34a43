import { w1Tub } from './w1-tub.js';
import { w2Hot } from './w2-hot.js';
import { w3Contended } from './w3-contended.js';
import { w4Burst } from './w4-burst.js';
import type { Workload } from './types.js';

export type { Metric, RunSample, Workload, WorkloadSize } from './types.js';

/** The pool workloads W1–W4, in run order. */
export const workloads: readonly Workload[] = [w1Tub, w2Hot, w3Contended, w4Burst];

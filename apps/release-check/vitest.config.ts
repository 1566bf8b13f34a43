import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.ts';

// the dry run publishes, installs and compiles: minutes of work for one test, not thirty seconds
export default defineProject(shared({ testTimeout: 300_000, hookTimeout: 120_000 }));

import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * Settings every package's vitest config shares. Tests resolve workspace packages to their
 * TypeScript sources (the `@pool/source` export condition), so no build is needed to test, and
 * each run writes a JSON report that `scripts/test-summary.mjs` adds up for the closing line.
 */
export function shared(overrides: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['@pool/source'] },
    ssr: { resolve: { conditions: ['@pool/source'], externalConditions: ['@pool/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.vitest-report.json' },
      ...overrides,
    },
  };
}

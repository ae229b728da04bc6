/**
 * The boundaries `npm run lint` checks (dependency-cruiser). See README, "Architecture".
 *
 * - No cycles anywhere.
 * - A feature's `domain/` imports only its own domain, the shared kernel (src/kernel) and the
 *   event store's decider types: it is the pure core, and another feature's rules reach it only
 *   through the kernel's values.
 * - The kernel imports nothing but itself.
 * - libs/ never import the application.
 * - Infrastructure (the folders below) imports no feature: features plug into it, never the reverse.
 *
 * Tests may compose what they test (a domain spec may use the fund link), so the domain rules
 * leave *.spec.ts alone; cycles are refused everywhere.
 */
const INFRASTRUCTURE = ['auth', 'commands', 'common', 'config', 'database', 'http', 'kernel', 'local-services', 'logging', 'queues', 'tracing'];
const FEATURES = ['admin', 'aid-requests', 'audit', 'cli', 'documents', 'funds', 'health', 'metrics', 'notifications', 'partners', 'personal-data', 'relay', 'review-rounds', 'triage'];
const SPEC = '\\.(e2e-)?spec\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-own-domain-and-kernel-only',
      comment: 'domain/ imports only its own feature’s domain, src/kernel and the event store’s decider types.',
      severity: 'error',
      from: { path: '^src/([^/]+)/domain/', pathNot: SPEC },
      to: { pathNot: ['^src/$1/domain/', '^src/kernel/', '^libs/event-store/src/decider\\.ts$'] },
    },
    {
      name: 'kernel-imports-only-kernel',
      severity: 'error',
      from: { path: '^src/kernel/', pathNot: SPEC },
      to: { pathNot: '^src/kernel/' },
    },
    {
      name: 'libs-never-import-src',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },
    {
      name: 'infrastructure-imports-no-feature',
      severity: 'error',
      from: { path: `^src/(${INFRASTRUCTURE.join('|')})/` },
      to: { path: `^src/(${FEATURES.join('|')})/` },
    },
    {
      name: 'every-src-folder-is-classified',
      comment: 'A new folder under src/ must be named in INFRASTRUCTURE or FEATURES above.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${[...INFRASTRUCTURE, ...FEATURES].join('|')})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|coverage)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

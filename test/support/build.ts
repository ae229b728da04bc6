import { spawnSync } from 'node:child_process';

/** Builds dist/ when it is missing or older than its sources (scripts/build-if-needed.cjs). */
export function buildIfNeeded(): void {
  const build = spawnSync(process.execPath, ['scripts/build-if-needed.cjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`the build failed (exit ${String(build.status)})`);
}

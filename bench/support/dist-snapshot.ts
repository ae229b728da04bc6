import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies the compiled app (`dist/`) to `directory` and links the repository's node_modules beside
 * it, so that a benchmark runs the build it made even if someone rebuilds `dist/` meanwhile
 * (`nest build` deletes the output folder first) — e.g. when it restarts a child process halfway.
 * Returns the copy's `dist` folder; module resolution from there finds `directory/node_modules`.
 */
export function snapshotDist(distDir: string, nodeModulesDir: string, directory: string): string {
  mkdirSync(directory, { recursive: true });
  const copy = join(directory, 'dist');
  cpSync(distDir, copy, { recursive: true });
  symlinkSync(nodeModulesDir, join(directory, 'node_modules'), 'dir');
  return copy;
}

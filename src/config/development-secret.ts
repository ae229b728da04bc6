import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A secret that only development needs (production configures its own): generated once and kept
 * in `file` (mode 0600, in a 0700 directory), then read back on every start. Several processes may
 * start at once: the first to create the file wins, and the others read theirs.
 */
export function loadOrCreateDevelopmentSecret(file: string, generate: () => string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, generate(), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8');
}

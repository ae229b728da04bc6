/**
 * Last-resort cleanup for a benchmark. A benchmark cleans up in a `finally`, but that does not run
 * when the process ends abruptly (SIGINT, SIGTERM, `process.exit`, a crash in a callback). Armed
 * with a plan, this drops the databases, deletes the Redis keys and removes the directories from an
 * 'exit' listener — which cannot wait for promises, so it runs this same file as a child process
 * with `spawnSync`. After the benchmark's own cleanup succeeded, `disarm()` it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dropDatabase } from './pg-admin';
import { deleteRedisKeys } from './redis-cleanup';

export interface CleanupPlan {
  /** Databases to drop (WITH (FORCE)). */
  readonly databaseUrls: string[];
  /** Key prefixes to delete, e.g. `{bench-x}:` for BullMQ queues under the prefix `bench-x`. */
  readonly redis?: { readonly url: string; readonly prefixes: string[] };
  readonly directories: string[];
}

export interface ExitCleanup {
  /** Mutable: add to it as the benchmark creates things. */
  readonly plan: CleanupPlan;
  disarm(): void;
}

/**
 * `beforeCleanup` runs first, synchronously (e.g. SIGKILL the children this benchmark started, so
 * that they cannot recreate keys after they were deleted).
 */
export function armExitCleanup(plan: CleanupPlan, beforeCleanup?: () => void): ExitCleanup {
  let armed = true;
  process.on('exit', () => {
    if (!armed) return;
    armed = false;
    try {
      beforeCleanup?.();
    } catch {
      // Best effort.
    }
    process.stderr.write('exit cleanup: the benchmark ended before its own cleanup; cleaning up now\n');
    for (const directory of plan.directories) rmSync(directory, { recursive: true, force: true });
    spawnSync(process.execPath, [__filename, JSON.stringify(plan)], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30_000 });
  });
  // Without a listener these signals end the process without an 'exit' event.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => process.exit(code));
  }
  return {
    plan,
    disarm: () => {
      armed = false;
    },
  };
}

async function runPlan(plan: CleanupPlan): Promise<void> {
  for (const url of plan.databaseUrls) {
    await dropDatabase(url).then(
      () => process.stderr.write(`exit cleanup: dropped ${new URL(url).pathname.slice(1)}\n`),
      (error: unknown) => process.stderr.write(`exit cleanup: could not drop ${url}: ${String(error)}\n`),
    );
  }
  for (const prefix of plan.redis?.prefixes ?? []) {
    await deleteRedisKeys(plan.redis!.url, prefix).then(
      (n) => process.stderr.write(`exit cleanup: deleted ${n} Redis keys under ${prefix}\n`),
      (error: unknown) => process.stderr.write(`exit cleanup: could not delete Redis keys under ${prefix}: ${String(error)}\n`),
    );
  }
}

if (require.main === module) {
  runPlan(JSON.parse(process.argv[2] ?? '{"databaseUrls":[],"directories":[]}') as CleanupPlan).catch((error: unknown) => {
    process.stderr.write(`exit cleanup failed: ${String(error)}\n`);
    process.exitCode = 1;
  });
}

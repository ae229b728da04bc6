/** A benchmark knob from the environment: an integer ≥ `min`, or `fallback` when unset. Throws on anything else. */
export function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

/** Extra configuration for the app under test: every `BENCH_APP_ENV_<NAME>=<value>` as `<NAME>: <value>`. */
export function appEnvFromBench(): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BENCH_APP_ENV_') && value !== undefined) extra[name.slice('BENCH_APP_ENV_'.length)] = value;
  }
  return extra;
}

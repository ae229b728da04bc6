import type pg from 'pg';

/**
 * The relay reads only events below the transaction horizon (`pg_snapshot_xmin(pg_current_snapshot())`),
 * and that horizon is cluster-wide: a write transaction still open in ANY database of the server —
 * another engineer's test suite on a shared server, say — holds back events committed after it
 * started. This samples the other databases' open write transactions while the load runs, to tell
 * such waits apart from the app's own.
 */
export class ForeignTransactionSampler {
  private timer?: NodeJS.Timeout;
  private samples = 0;
  private withForeign = 0;
  private maxAgeMs = 0;
  private readonly databases = new Set<string>();
  private busy = false;

  constructor(private readonly db: pg.Pool) {}

  start(intervalMs = 25): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.db
        .query<{ datname: string | null; age_ms: number }>(
          `SELECT datname, (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS age_ms
             FROM pg_stat_activity
            WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()`,
        )
        .then(({ rows }) => {
          this.samples++;
          if (rows.length > 0) this.withForeign++;
          for (const row of rows) {
            this.maxAgeMs = Math.max(this.maxAgeMs, row.age_ms);
            this.databases.add(row.datname ?? '?');
          }
        })
        .catch(() => undefined)
        .finally(() => {
          this.busy = false;
        });
    }, intervalMs);
  }

  stop(): string {
    clearInterval(this.timer);
    if (this.withForeign === 0) return `no write transaction of another database seen in ${this.samples} samples`;
    return (
      `a write transaction of another database was open in ${this.withForeign} of ${this.samples} samples ` +
      `(${((this.withForeign / Math.max(1, this.samples)) * 100).toFixed(0)}%; the oldest seen ${this.maxAgeMs.toFixed(0)} ms old; ` +
      `databases ${[...this.databases].slice(0, 5).join(', ')}): the relay's horizon waits for those too`
    );
  }
}

import type { Priority } from '../kernel/priority';
import type { SlaDurations } from '../kernel/sla';

export type AppRole = 'api' | 'worker' | 'all';
export type NodeEnv = 'development' | 'production' | 'test';
export interface JwtConfig {
  /** HS256 key; absent when tokens are verified with a public key. */
  readonly secret?: Uint8Array;
  /** PEM (SPKI) public key for RS256 or EdDSA tokens. */
  readonly publicKeyPem?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** True when the built-in development secret is in use (never in production). */
  readonly usingDevelopmentSecret: boolean;
}

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: where spans go (the SDK appends /v1/traces). */
  readonly endpoint: string;
  /** OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf` (default) or `http/json`. */
  readonly protocol: 'http/protobuf' | 'http/json';
}

export interface DatabaseConfig {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
}

/** Everything the service can be tuned by, parsed and validated once at start-up. */
export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly role: AppRole;
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly database: DatabaseConfig;
  readonly redisUrl: string;
  /**
   * Which of DATABASE_URL and REDIS_URL were not given. Outside production the single-process
   * service then starts its own (src/local-services); production and split roles need both.
   */
  /** OpenTelemetry, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  readonly tracing?: TracingConfig;
  readonly unsetUrls: { readonly database: boolean; readonly redis: boolean };
  readonly queuePrefix: string;
  readonly jwt: JwtConfig;
  /** Cents; an approval at or above needs two officers. */
  readonly fourEyesThreshold: bigint;
  readonly sla: Readonly<Record<Priority, SlaDurations>>;
  /** 1..12; the fiscal year is named by the calendar year in which it ends. */
  readonly fiscalYearStartMonth: number;
  readonly audit: {
    /** PEM text or a path to a PEM file; absent in development (a key is generated and kept locally). */
    readonly signingKey?: string;
    readonly checkpointIntervalMs: number;
    readonly checkpointMaxEvents: number;
  };
  /** The event-log consumers (the relay and the sealer), set by the RELAY_* variables. */
  readonly eventLog: {
    readonly batchSize: number;
    /** Fallback polling of the event log; commits normally wake consumers at once (LISTEN/NOTIFY). */
    readonly pollIntervalMs: number;
    /** How often a standby worker tries to take over a consumer. */
    readonly standbyRetryMs: number;
  };
  /** How often missed deadlines are swept for (timers lost with Redis). */
  readonly slaSweepIntervalMs: number;
  /** How long an Idempotency-Key is remembered; a retry after that is a new request. */
  readonly idempotencyKeyTtlMs: number;
  /** How often forgotten idempotency keys are purged. */
  readonly idempotencyPurgeIntervalMs: number;
  /** SIGTERM: how long a process may take to finish what it has in hand before it exits anyway. */
  readonly shutdownGraceMs: number;
  /** A request left `submitted`, or a tranche left `released`, this long has its job enqueued again. */
  readonly reconcileAfterMs: number;
  /** How often review rounds past their closing time are closed. */
  readonly reviewRoundCheckIntervalMs: number;
  /** Local folder for development-only state (the generated audit key). */
  readonly dataDir: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

import type { RedisNode } from './redis-cluster-env';
import type { Priority } from '../kernel/priority';
import type { SlaDurations } from '../kernel/sla';
import type { NotificationsConfig } from './notifications-env';

export type AppRole = 'api' | 'worker' | 'all';
export type NodeEnv = 'development' | 'production' | 'test';
export interface JwtConfig {
  /** HS256 key; absent when tokens are verified with a public key. */
  readonly secret?: Uint8Array;
  /** PEM (SPKI) public key for RS256 or EdDSA tokens. */
  readonly publicKeyPem?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** JWT_JWKS_URL: the identity provider's JSON Web Key Set; when set, the only way tokens verify. */
  readonly jwksUrl?: string;
  /** JWT_ROLE_CLAIM / JWT_COUNTRY_CLAIM: dot paths to the role (a string or an array) and the country. */
  readonly roleClaim: string;
  readonly countryClaim: string;
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
  /** REDIS_CLUSTER_NODES: the seed nodes of a Redis Cluster, when BullMQ and the rate limit use one. */
  readonly redisClusterNodes?: readonly RedisNode[];
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
  /** 1..100: no tranche of a high-risk grant may exceed this percent of amountApproved (a quarter by default). */
  readonly highRiskMaxTranchePercent: number;
  readonly sla: Readonly<Record<Priority, SlaDurations>>;
  /** 1..12; the fiscal year is named by the calendar year in which it ends. */
  readonly fiscalYearStartMonth: number;
  /** REPORTING_INTERVAL: ISO-8601 duration (calendar months allowed) between a capacity grant's progress reports. */
  readonly reportingInterval: string;
  readonly audit: {
    /** PEM text or a path to a PEM file; absent in development (a key is generated and kept locally). */
    readonly signingKey?: string;
    /** AUDIT_PREVIOUS_PUBLIC_KEYS: keys that signed earlier checkpoints, each a PEM text or a path to one. */
    readonly previousPublicKeys: readonly string[];
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
  /** How often passed SLA deadlines are checked (and report timers lost with Redis made up). */
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
  /** Local folder for development-only state (the generated audit key and personal-data key). */
  readonly dataDir: string;
  /**
   * PERSONAL_DATA_KEY: the 32-byte key that seals each request's data key (envelope encryption of
   * contact details). Absent outside production: a key is generated once and kept in `dataDir`.
   */
  readonly personalDataKey?: Buffer;
  /** Limits and headers of the HTTP API. */
  readonly http: {
    /** RATE_LIMIT_PER_MINUTE: /v1 requests per token sub (or client address) per minute. */
    readonly rateLimitPerMinute: number;
    /** CORS_ORIGINS: the browser origins allowed to call the API (none by default). */
    readonly corsOrigins: readonly string[];
    /**
     * TRUST_PROXY: whose X-Forwarded-For is believed for the client address (rate limits per
     * address, logs). false: nobody's, the connecting address is the client; a number: that many
     * proxy hops; a list: the proxies' addresses or CIDR ranges.
     */
    readonly trustProxy: false | number | readonly string[];
  };
  /** Webhooks and alert e-mail. */
  readonly notifications: NotificationsConfig;
  /** Documents attached to requests: where their bytes are kept, and the upload limits. */
  readonly documents: DocumentsConfig;
}

export interface DocumentsConfig {
  readonly store: 'postgres' | 's3';
  /** Largest document accepted, in bytes. */
  readonly maxBytes: number;
  readonly maxPerRequest: number;
  /** With store = s3. Credentials come from the standard AWS variables (or the keys given here). */
  readonly s3?: {
    readonly bucket: string;
    readonly endpoint?: string;
    readonly region: string;
    readonly forcePathStyle: boolean;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: string;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

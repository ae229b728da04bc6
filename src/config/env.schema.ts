import { isIP } from 'node:net';
import type { AppConfig, AppRole, NodeEnv } from './app-config';
import { parseIsoDuration } from './iso-duration';
import { parseCalendarDuration } from '../kernel/calendar';
import { DEFAULT_REPORTING_INTERVAL } from '../kernel/reporting';
import { notificationsEnv } from './notifications-env';
import { redisClusterNodes } from './redis-cluster-env';
import { type Priority, PRIORITIES } from '../kernel/priority';
import type { SlaDurations } from '../kernel/sla';

/** A development-only HS256 key: tokens signed with it are worthless anywhere else. */
export const DEVELOPMENT_JWT_SECRET = 'cdt-fund-development-secret-do-not-use-in-production';

const SLA_DEFAULTS: Readonly<Record<Priority, string>> = {
  1: 'PT1H/PT24H',
  2: 'PT4H/PT72H',
  3: 'PT24H/P7D',
  4: 'P5D/P45D',
  5: 'P10D/P90D',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The only reader of the environment. Collects every problem before failing so that an operator
 * fixes them all in one go; each message names the variable.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = read(name) ?? fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, fallback: string, protocols: readonly string[]): string => {
    const value = read(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return value;
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')}// URL (got "${value}")`);
      return fallback;
    }
  };

  const nodeEnv = oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const role = oneOf<AppRole>('APP_ROLE', ['api', 'worker', 'all'], 'all');

  const queuePrefix = read('QUEUE_PREFIX') ?? 'cdt';
  if (!/^[A-Za-z0-9_{}-]{1,64}$/.test(queuePrefix)) {
    problems.push(`QUEUE_PREFIX must be 1-64 letters, digits, '-', '_' or '{}' (got "${queuePrefix}")`);
  }

  const fourEyesRaw = read('FOUR_EYES_THRESHOLD') ?? '25000000';
  let fourEyesThreshold = 25_000_000n;
  if (/^\d{1,15}$/.test(fourEyesRaw) && BigInt(fourEyesRaw) > 0n) fourEyesThreshold = BigInt(fourEyesRaw);
  else problems.push(`FOUR_EYES_THRESHOLD must be a positive integer amount in cents (got "${fourEyesRaw}")`);

  const reportingInterval = read('REPORTING_INTERVAL') ?? DEFAULT_REPORTING_INTERVAL;
  if (parseCalendarDuration(reportingInterval) === undefined) {
    problems.push(`REPORTING_INTERVAL must be a positive ISO-8601 duration such as P3M, P1M2W or PT2S (got "${reportingInterval}")`);
  }

  const sla = {} as Record<Priority, SlaDurations>;
  for (const priority of PRIORITIES) {
    const name = `SLA_PRIORITY_${priority}`;
    const raw = read(name) ?? SLA_DEFAULTS[priority];
    const [ack, decide, ...rest] = raw.split('/');
    const acknowledgeMs = ack === undefined ? undefined : parseIsoDuration(ack);
    const decideMs = decide === undefined ? undefined : parseIsoDuration(decide);
    if (acknowledgeMs === undefined || decideMs === undefined || rest.length > 0) {
      problems.push(`${name} must be "<acknowledge>/<decide>" ISO-8601 durations such as PT1H/PT24H (got "${raw}")`);
      continue;
    }
    if (decideMs < acknowledgeMs) {
      problems.push(`${name}: the decide deadline must not come before the acknowledge deadline (got "${raw}")`);
    }
    sla[priority] = { acknowledgeMs, decideMs };
  }

  const jwtSecret = read('JWT_SECRET');
  const jwtPublicKey = read('JWT_PUBLIC_KEY');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes');
  }
  if (jwtPublicKey !== undefined && !jwtPublicKey.includes('BEGIN PUBLIC KEY')) {
    problems.push('JWT_PUBLIC_KEY must be a PEM public key ("-----BEGIN PUBLIC KEY-----")');
  }
  const jwksUrl = read('JWT_JWKS_URL');
  if (jwksUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(jwksUrl);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !['https:', 'http:'].includes(parsed.protocol)) {
      problems.push(`JWT_JWKS_URL must be an https:// (or http://) URL of a JSON Web Key Set (got "${jwksUrl}")`);
    } else if (parsed.protocol === 'http:' && nodeEnv === 'production' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
      problems.push('JWT_JWKS_URL must use https:// when NODE_ENV=production');
    }
  }
  const claimPath = (name: string, fallback: string): string => {
    const value = read(name) ?? fallback;
    if (/^[A-Za-z0-9_:/$-]+(\.[A-Za-z0-9_:/$-]+)*$/.test(value)) return value;
    problems.push(`${name} must be a claim name or a dot path such as realm_access.roles (got "${value}")`);
    return fallback;
  };
  const roleClaim = claimPath('JWT_ROLE_CLAIM', 'role');
  const countryClaim = claimPath('JWT_COUNTRY_CLAIM', 'country');
  if (nodeEnv === 'production' && jwtSecret === undefined && jwtPublicKey === undefined && jwksUrl === undefined) {
    problems.push('JWT_SECRET (at least 32 bytes), JWT_PUBLIC_KEY or JWT_JWKS_URL is required when NODE_ENV=production');
  }
  const usingDevelopmentSecret = jwtSecret === undefined && jwtPublicKey === undefined && jwksUrl === undefined;
  const secret = jwtSecret ?? (usingDevelopmentSecret ? DEVELOPMENT_JWT_SECRET : undefined);

  const auditSigningKey = read('AUDIT_SIGNING_KEY');
  if (nodeEnv === 'production' && auditSigningKey === undefined) {
    problems.push('AUDIT_SIGNING_KEY (an Ed25519 private key, PEM or a path to one) is required when NODE_ENV=production');
  }

  const personalDataKey = base64Key('PERSONAL_DATA_KEY', read('PERSONAL_DATA_KEY'), problems);
  if (nodeEnv === 'production' && read('PERSONAL_DATA_KEY') === undefined) {
    problems.push('PERSONAL_DATA_KEY (32 random bytes in base64, e.g. `openssl rand -base64 32`) is required when NODE_ENV=production');
  }

  const previousPublicKeys = splitPublicKeys(read('AUDIT_PREVIOUS_PUBLIC_KEYS'));
  if (previousPublicKeys.some((entry) => entry.includes('-----BEGIN') && !entry.includes('-----BEGIN PUBLIC KEY-----'))) {
    problems.push('AUDIT_PREVIOUS_PUBLIC_KEYS must hold PEM public keys ("-----BEGIN PUBLIC KEY-----") or paths to them, never a private key');
  }

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of corsOrigins) {
    let valid: boolean;
    try {
      const parsed = new URL(origin);
      valid = (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin === origin;
    } catch {
      valid = false;
    }
    if (!valid) problems.push(`CORS_ORIGINS must be a comma-separated list of origins such as https://console.example.org (got "${origin}")`);
  }
  const trustProxy = parseTrustProxy(read('TRUST_PROXY'), problems);
  const documentStore = oneOf<'postgres' | 's3'>('DOCUMENT_STORE', ['postgres', 's3'], 'postgres');
  const s3Bucket = read('S3_BUCKET');
  if (documentStore === 's3' && s3Bucket === undefined) problems.push('S3_BUCKET is required when DOCUMENT_STORE=s3');
  const s3Endpoint = read('S3_ENDPOINT');
  if (s3Endpoint !== undefined) url('S3_ENDPOINT', s3Endpoint, ['http:', 'https:']);
  const forcePathStyle = oneOf('S3_FORCE_PATH_STYLE', ['true', 'false'], 'false') === 'true';
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  const otlpEndpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otlpEndpoint !== undefined) url('OTEL_EXPORTER_OTLP_ENDPOINT', otlpEndpoint, ['http:', 'https:']);
  const otlpProtocol = oneOf<'http/protobuf' | 'http/json' | 'grpc'>('OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json', 'grpc'], 'http/protobuf');
  if (otlpProtocol === 'grpc') problems.push('OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (grpc is not supported)');

  const config: AppConfig = {
    nodeEnv,
    role,
    host: read('HOST') ?? '0.0.0.0',
    port: integer('PORT', 3000, 0, 65_535),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    database: {
      url: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/cdt_fund', ['postgres:', 'postgresql:']),
      poolSize: integer('DATABASE_POOL_SIZE', 10, 1, 200),
      statementTimeoutMs: integer('DATABASE_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
      idleInTransactionTimeoutMs: integer('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 10_000, 100, 3_600_000),
    },
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    ...withRedisCluster(redisClusterNodes(read('REDIS_CLUSTER_NODES'), problems)),
    ...(otlpEndpoint === undefined || otlpProtocol === 'grpc' ? {} : { tracing: { endpoint: otlpEndpoint, protocol: otlpProtocol } }),
    unsetUrls: { database: read('DATABASE_URL') === undefined, redis: read('REDIS_URL') === undefined },
    queuePrefix,
    jwt: {
      ...(secret === undefined ? {} : { secret: new TextEncoder().encode(secret) }),
      ...(jwtPublicKey === undefined ? {} : { publicKeyPem: jwtPublicKey.replace(/\\n/g, '\n') }),
      ...(read('JWT_ISSUER') === undefined ? {} : { issuer: read('JWT_ISSUER') }),
      ...(read('JWT_AUDIENCE') === undefined ? {} : { audience: read('JWT_AUDIENCE') }),
      ...(jwksUrl === undefined ? {} : { jwksUrl }),
      roleClaim,
      countryClaim,
      usingDevelopmentSecret,
    },
    fourEyesThreshold,
    highRiskMaxTranchePercent: integer('HIGH_RISK_MAX_TRANCHE_PERCENT', 25, 1, 100),
    sla,
    fiscalYearStartMonth: integer('FISCAL_YEAR_START_MONTH', 10, 1, 12),
    reportingInterval,
    audit: {
      ...(auditSigningKey === undefined ? {} : { signingKey: auditSigningKey }),
      previousPublicKeys,
      // Outside production the first checkpoint comes within seconds, so that a newcomer can verify at once.
      checkpointIntervalMs: integer('CHECKPOINT_INTERVAL_MS', nodeEnv === 'production' ? 60_000 : 5_000, 100, 86_400_000),
      checkpointMaxEvents: integer('CHECKPOINT_MAX_EVENTS', 1000, 1, 10_000_000),
    },
    eventLog: {
      batchSize: integer('RELAY_BATCH_SIZE', 500, 1, 10_000),
      pollIntervalMs: integer('RELAY_POLL_INTERVAL_MS', 1_000, 10, 60_000),
      standbyRetryMs: integer('RELAY_STANDBY_RETRY_MS', 1_000, 50, 60_000),
    },
    slaSweepIntervalMs: integer('SLA_SWEEP_INTERVAL_MS', 15_000, 100, 86_400_000),
    idempotencyKeyTtlMs: integer('IDEMPOTENCY_KEY_TTL_HOURS', 24, 1, 24 * 365) * 3_600_000,
    idempotencyPurgeIntervalMs: integer('IDEMPOTENCY_PURGE_INTERVAL_MS', 3_600_000, 1_000, 86_400_000),
    shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 10_000, 1_000, 600_000),
    reconcileAfterMs: integer('RECONCILE_AFTER_MS', 60_000, 200, 86_400_000),
    reviewRoundCheckIntervalMs: integer('REVIEW_ROUND_CHECK_INTERVAL_MS', 3_600_000, 100, 86_400_000),
    dataDir: read('DATA_DIR') ?? '.data',
    ...(personalDataKey === undefined ? {} : { personalDataKey }),
    http: {
      rateLimitPerMinute: integer('RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      corsOrigins,
      trustProxy,
    },
    notifications: notificationsEnv(read, problems, nodeEnv),
    documents: {
      store: documentStore,
      maxBytes: integer('DOCUMENT_MAX_BYTES', 26_214_400, 1, 5 * 1024 ** 3),
      maxPerRequest: integer('DOCUMENT_MAX_PER_REQUEST', 100, 1, 100_000),
      ...(documentStore === 's3' && s3Bucket !== undefined
        ? {
            s3: {
              bucket: s3Bucket,
              ...(s3Endpoint === undefined ? {} : { endpoint: s3Endpoint }),
              region: read('S3_REGION') ?? read('AWS_REGION') ?? 'us-east-1',
              forcePathStyle,
              ...(accessKeyId === undefined ? {} : { accessKeyId }),
              ...(secretAccessKey === undefined ? {} : { secretAccessKey }),
            },
          }
        : {}),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A 256-bit key given as base64 (standard or URL-safe alphabet, padding optional). */
function base64Key(name: string, value: string | undefined, problems: string[]): Buffer | undefined {
  if (value === undefined) return undefined;
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/u.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (key === undefined || key.length !== 32) {
    problems.push(`${name} must be 32 random bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`); got ${value.length} characters${key === undefined ? ' that are not base64' : ` decoding to ${key.length} bytes`}`);
    return undefined;
  }
  return key;
}

/**
 * AUDIT_PREVIOUS_PUBLIC_KEYS: PEM blocks (newlines as such or as `\n`) and/or paths to PEM files,
 * separated by commas or newlines. Each entry is a PEM text or a path; the key ring reads them.
 */
function splitPublicKeys(value: string | undefined): string[] {
  if (value === undefined) return [];
  const text = value.replace(/\\n/gu, '\n');
  const pems = text.match(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/gu) ?? [];
  const rest = text.replace(/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/gu, '\n');
  const paths = rest
    .split(/[,\n]/u)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...pems.map((pem) => `${pem}\n`), ...paths];
}

/**
 * TRUST_PROXY: unset or `false` (the default: X-Forwarded-For is not believed, so a client cannot
 * choose its own address), a number of proxy hops (1..10), or a comma-separated list of proxy
 * addresses and CIDR ranges. `true` (believe anyone) is refused: it lets every client spoof its
 * address past the per-address rate limit.
 */
function parseTrustProxy(value: string | undefined, problems: string[]): false | number | readonly string[] {
  if (value === undefined || value.trim() === '' || value.trim() === 'false') return false;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    if (hops >= 1 && hops <= 10) return hops;
  }
  const entries = trimmed.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const invalid = entries.filter((entry) => !isAddressOrRange(entry));
  if (trimmed === 'true' || entries.length === 0 || invalid.length > 0) {
    problems.push(
      `TRUST_PROXY must be false, a number of proxy hops from 1 to 10, or a comma-separated list of proxy addresses or CIDR ranges such as 10.0.0.0/8 (got "${value}"); ` +
        '"true" is not accepted: it would let any client choose its own address',
    );
    return false;
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (address === undefined || rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function withRedisCluster(nodes: AppConfig['redisClusterNodes']): Pick<AppConfig, 'redisClusterNodes'> {
  return nodes === undefined ? {} : { redisClusterNodes: nodes };
}

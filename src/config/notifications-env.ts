import { createHash } from 'node:crypto';
/** Mirrors AppConfig's NodeEnv (kept here so the two files do not import each other). */
type NodeEnv = 'development' | 'production' | 'test';
import { parseIsoDuration } from './iso-duration';

/** Webhook delivery and alert e-mail, set by the WEBHOOK_*, SMTP_URL and ALERT_EMAIL_* variables. */
export interface NotificationsConfig {
  readonly webhooks: {
    /** How long a rotated-out secret keeps signing beside the new one. */
    readonly secretOverlapMs: number;
    readonly timeoutMs: number;
    /** The delay before each retry, counted from the attempt before it; its length is the number of retries. */
    readonly retryDelaysMs: readonly number[];
    readonly allowHttp: boolean;
    /** `host` (every port) or `host:port`, lower-case: targets exempt from the address check. */
    readonly allowedHosts: readonly string[];
    /** The AES-256-GCM key that seals signing secrets at rest. */
    readonly secretKey: Buffer;
    readonly usingDevelopmentSecretKey: boolean;
  };
  /** Absent when SMTP_URL is unset: alert e-mail is off. */
  readonly mail?: {
    readonly smtpUrl: string;
    readonly from: string;
    readonly to: readonly string[];
  };
}

const DEFAULT_RETRY_SCHEDULE = 'PT5S,PT5M,PT30M,PT2H,PT5H,PT10H,PT10H';
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** Parses the notification variables; each problem names its variable. */
export function notificationsEnv(read: (name: string) => string | undefined, problems: string[], nodeEnv: NodeEnv): NotificationsConfig {
  const duration = (name: string, fallback: string): number => {
    const raw = read(name) ?? fallback;
    const ms = parseIsoDuration(raw);
    if (ms === undefined) problems.push(`${name} must be an ISO-8601 duration such as ${fallback} (got "${raw}")`);
    return ms ?? parseIsoDuration(fallback) ?? 0;
  };
  const timeoutRaw = read('WEBHOOK_TIMEOUT_MS') ?? '10000';
  let timeoutMs = Number(timeoutRaw);
  if (!/^\d+$/.test(timeoutRaw) || timeoutMs < 100 || timeoutMs > 300_000) {
    problems.push(`WEBHOOK_TIMEOUT_MS must be an integer from 100 to 300000 (got "${timeoutRaw}")`);
    timeoutMs = 10_000;
  }
  const scheduleRaw = read('WEBHOOK_RETRY_SCHEDULE') ?? DEFAULT_RETRY_SCHEDULE;
  const retryDelaysMs = scheduleRaw.split(',').map((part) => parseIsoDuration(part.trim()));
  if (retryDelaysMs.some((ms) => ms === undefined) || retryDelaysMs.length > 50) {
    problems.push(`WEBHOOK_RETRY_SCHEDULE must be up to 50 comma-separated ISO-8601 durations such as ${DEFAULT_RETRY_SCHEDULE} (got "${scheduleRaw}")`);
  }
  const allowHttpRaw = read('WEBHOOK_ALLOW_HTTP') ?? (nodeEnv === 'production' ? 'false' : 'true');
  if (allowHttpRaw !== 'true' && allowHttpRaw !== 'false') problems.push(`WEBHOOK_ALLOW_HTTP must be true or false (got "${allowHttpRaw}")`);
  const allowedHosts = (read('WEBHOOK_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  for (const host of allowedHosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(host)) problems.push(`WEBHOOK_ALLOWED_HOSTS: "${host}" is not a host or host:port`);
  }

  const keyRaw = read('WEBHOOK_SECRET_KEY');
  let secretKey: Buffer;
  if (keyRaw === undefined) {
    if (nodeEnv === 'production') problems.push('WEBHOOK_SECRET_KEY (32 bytes, base64 or hex) is required when NODE_ENV=production');
    // A development-only key: secrets sealed with it are protected by nothing.
    secretKey = createHash('sha256').update('cdt-fund-development-webhook-secret-key').digest();
  } else {
    secretKey = /^[0-9a-fA-F]{64}$/.test(keyRaw) ? Buffer.from(keyRaw, 'hex') : Buffer.from(keyRaw, 'base64');
    if (secretKey.length !== 32) problems.push('WEBHOOK_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  }

  const smtpUrl = read('SMTP_URL');
  let mail: NotificationsConfig['mail'];
  if (smtpUrl !== undefined) {
    try {
      const protocol = new URL(smtpUrl).protocol;
      if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new Error(protocol);
    } catch {
      problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
    }
    const from = read('ALERT_EMAIL_FROM') ?? 'cdt-fund@localhost';
    if (!EMAIL.test(from)) problems.push(`ALERT_EMAIL_FROM must be an e-mail address (got "${from}")`);
    const to = (read('ALERT_EMAIL_TO') ?? '')
      .split(',')
      .map((address) => address.trim())
      .filter((address) => address !== '');
    for (const address of to) if (!EMAIL.test(address)) problems.push(`ALERT_EMAIL_TO: "${address}" is not an e-mail address`);
    mail = { smtpUrl, from, to };
  }

  return {
    webhooks: {
      secretOverlapMs: duration('WEBHOOK_SECRET_OVERLAP', 'PT24H'),
      timeoutMs,
      retryDelaysMs: retryDelaysMs.map((ms) => ms ?? 0),
      allowHttp: allowHttpRaw === 'true',
      allowedHosts,
      secretKey,
      usingDevelopmentSecretKey: keyRaw === undefined,
    },
    ...(mail === undefined ? {} : { mail }),
  };
}

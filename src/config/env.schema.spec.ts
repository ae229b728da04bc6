import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from './env.schema';
import { parseIsoDuration } from './iso-duration';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the defaults of docs/api.md', () => {
    const config = loadConfig({});
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/cdt_fund');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.queuePrefix).toBe('cdt');
    expect(config.port).toBe(3000);
    expect(config.role).toBe('all');
    expect(config.fourEyesThreshold).toBe(25_000_000n);
    expect(config.fiscalYearStartMonth).toBe(10);
    expect(config.highRiskMaxTranchePercent).toBe(25);
    expect(config.audit.checkpointIntervalMs).toBe(5_000);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_SIGNING_KEY: 'key.pem', WEBHOOK_SECRET_KEY: WEBHOOK_KEY, PERSONAL_DATA_KEY }).audit.checkpointIntervalMs).toBe(60_000);
    expect(config.audit.checkpointMaxEvents).toBe(1000);
    expect(config.logLevel).toBe('info');
    expect(config.sla).toEqual({
      1: { acknowledgeMs: 3_600_000, decideMs: 24 * 3_600_000 },
      2: { acknowledgeMs: 4 * 3_600_000, decideMs: 72 * 3_600_000 },
      3: { acknowledgeMs: 24 * 3_600_000, decideMs: 7 * 86_400_000 },
      4: { acknowledgeMs: 5 * 86_400_000, decideMs: 45 * 86_400_000 },
      5: { acknowledgeMs: 10 * 86_400_000, decideMs: 90 * 86_400_000 },
    });
  });

  const WEBHOOK_KEY = 'a'.repeat(64);
  const PERSONAL_DATA_KEY = Buffer.alloc(32, 1).toString('base64');

  it('reads PERSONAL_DATA_KEY as 32 bytes of base64, requires it in production, and never echoes a bad one', () => {
    expect(loadConfig({ PERSONAL_DATA_KEY }).personalDataKey).toEqual(Buffer.alloc(32, 1));
    expect(loadConfig({ PERSONAL_DATA_KEY: Buffer.alloc(32, 1).toString('base64url') }).personalDataKey).toEqual(Buffer.alloc(32, 1));
    expect(loadConfig({}).personalDataKey).toBeUndefined();
    const short = Buffer.alloc(16, 1).toString('base64');
    expect(problemsOf({ PERSONAL_DATA_KEY: short })).toEqual([expect.stringMatching(/^PERSONAL_DATA_KEY must be 32 random bytes in base64.*decoding to 16 bytes/u)]);
    const notBase64 = 'not base64 at all: a passphrase!';
    const [problem] = problemsOf({ PERSONAL_DATA_KEY: notBase64 });
    expect(problem).toMatch(/^PERSONAL_DATA_KEY must be 32 random bytes in base64.*not base64/u);
    expect(problem).not.toContain(notBase64);
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), AUDIT_SIGNING_KEY: 'key.pem', WEBHOOK_SECRET_KEY: WEBHOOK_KEY })).toEqual([
      expect.stringContaining('PERSONAL_DATA_KEY (32 random bytes in base64'),
    ]);
  });

  it('uses the development JWT secret, flagged, only outside production', () => {
    const config = loadConfig({});
    expect(config.jwt.usingDevelopmentSecret).toBe(true);
    expect(new TextDecoder().decode(config.jwt.secret)).toBe(DEVELOPMENT_JWT_SECRET);
    expect(problemsOf({ NODE_ENV: 'production', AUDIT_SIGNING_KEY: '/keys/audit.pem', WEBHOOK_SECRET_KEY: WEBHOOK_KEY, PERSONAL_DATA_KEY })).toEqual([
      expect.stringContaining('JWT_SECRET'),
    ]);
    const production = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-bytes',
      AUDIT_SIGNING_KEY: '/keys/audit.pem',
      WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
      PERSONAL_DATA_KEY,
    });
    expect(production.jwt.usingDevelopmentSecret).toBe(false);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      APP_ROLE: 'both',
      DATABASE_URL: 'mysql://localhost/x',
      REDIS_URL: 'not a url',
      FOUR_EYES_THRESHOLD: '-5',
      SLA_PRIORITY_2: 'PT4H',
      FISCAL_YEAR_START_MONTH: '13',
      JWT_SECRET: 'short',
      LOG_LEVEL: 'loud',
      QUEUE_PREFIX: 'has:colon',
      HIGH_RISK_MAX_TRANCHE_PERCENT: '0',
    });
    for (const name of [
      'PORT',
      'APP_ROLE',
      'DATABASE_URL',
      'REDIS_URL',
      'FOUR_EYES_THRESHOLD',
      'SLA_PRIORITY_2',
      'FISCAL_YEAR_START_MONTH',
      'JWT_SECRET',
      'LOG_LEVEL',
      'QUEUE_PREFIX',
      'HIGH_RISK_MAX_TRANCHE_PERCENT',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('reads REPORTING_INTERVAL (default P3M, calendar months allowed) and names a bad one', () => {
    expect(loadConfig({}).reportingInterval).toBe('P3M');
    expect(loadConfig({ REPORTING_INTERVAL: 'P1M2W' }).reportingInterval).toBe('P1M2W');
    expect(loadConfig({ REPORTING_INTERVAL: 'PT2S' }).reportingInterval).toBe('PT2S');
    for (const bad of ['3 months', 'P0M', 'P', '-P3M']) {
      expect(problemsOf({ REPORTING_INTERVAL: bad }).filter((p) => p.startsWith('REPORTING_INTERVAL'))).toHaveLength(1);
    }
  });

  it('reads SLA durations such as PT2S/PT4S for fast tests', () => {
    expect(loadConfig({ SLA_PRIORITY_1: 'PT2S/PT4S' }).sla[1]).toEqual({ acknowledgeMs: 2000, decideMs: 4000 });
    expect(problemsOf({ SLA_PRIORITY_1: 'PT4S/PT2S' })[0]).toMatch(/^SLA_PRIORITY_1/);
  });
});

describe('ISO-8601 durations', () => {
  it.each([
    ['PT1H', 3_600_000],
    ['P7D', 7 * 86_400_000],
    ['P1W', 7 * 86_400_000],
    ['PT1.5S', 1500],
    ['P1DT2H30M', 86_400_000 + 2 * 3_600_000 + 30 * 60_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', '1H', 'P1M', 'P1Y', 'PT0S', 'PT-1H', 'P1DT'])('refuses %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
  it('reads AUDIT_PREVIOUS_PUBLIC_KEYS as PEM blocks and paths, and refuses a private key there', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAabc=\n-----END PUBLIC KEY-----';
    expect(loadConfig({}).audit.previousPublicKeys).toEqual([]);
    expect(loadConfig({ AUDIT_PREVIOUS_PUBLIC_KEYS: `${pem.replace(/\n/g, '\\n')},/keys/one.pem, /keys/two.pem\n${pem}` }).audit.previousPublicKeys).toEqual([
      `${pem}\n`,
      `${pem}\n`,
      '/keys/one.pem',
      '/keys/two.pem',
    ]);
    expect(problemsOf({ AUDIT_PREVIOUS_PUBLIC_KEYS: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----' })).toEqual([
      expect.stringMatching(/^AUDIT_PREVIOUS_PUBLIC_KEYS must hold PEM public keys/),
    ]);
  });

  it('believes no proxy by default, and TRUST_PROXY names hops or proxies, never everyone', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8' }).http.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
    for (const bad of ['true', '0', '11', 'proxy.example.org', '10.0.0.0/33', '10.0.0.1/8/1', ',']) {
      expect(problemsOf({ TRUST_PROXY: bad })).toEqual([expect.stringContaining('TRUST_PROXY must be false, a number of proxy hops')]);
    }
  });

  it('reads the notification variables, naming each bad one', () => {
    const config = loadConfig({ WEBHOOK_RETRY_SCHEDULE: 'PT1S, PT2S', WEBHOOK_ALLOWED_HOSTS: 'Hooks.Internal:8443, 127.0.0.1', SMTP_URL: 'smtp://127.0.0.1:2525', ALERT_EMAIL_TO: 'duty@fund.example, ops@fund.example' });
    expect(config.notifications.webhooks).toMatchObject({ retryDelaysMs: [1000, 2000], allowedHosts: ['hooks.internal:8443', '127.0.0.1'], allowHttp: true, timeoutMs: 10_000, secretOverlapMs: 86_400_000 });
    expect(config.notifications.mail).toEqual({ smtpUrl: 'smtp://127.0.0.1:2525', from: 'cdt-fund@localhost', to: ['duty@fund.example', 'ops@fund.example'] });
    expect(loadConfig({}).notifications.webhooks.retryDelaysMs).toHaveLength(7);
    expect(loadConfig({}).notifications.mail).toBeUndefined();
    const problems = problemsOf({
      WEBHOOK_RETRY_SCHEDULE: 'PT5S,soon',
      WEBHOOK_TIMEOUT_MS: '0',
      WEBHOOK_ALLOW_HTTP: 'maybe',
      WEBHOOK_SECRET_OVERLAP: 'a day',
      WEBHOOK_SECRET_KEY: 'short',
      SMTP_URL: 'http://mail',
      ALERT_EMAIL_TO: 'not-an-address',
    });
    for (const name of ['WEBHOOK_RETRY_SCHEDULE', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_ALLOW_HTTP', 'WEBHOOK_SECRET_OVERLAP', 'WEBHOOK_SECRET_KEY', 'SMTP_URL', 'ALERT_EMAIL_TO']) {
      expect(problems).toContainEqual(expect.stringContaining(name));
    }
  });
});

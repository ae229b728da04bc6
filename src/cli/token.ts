import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../auth/actor';
import { mintToken } from '../auth/dev-token';
import { ConfigError, loadConfig } from '../config/env.schema';

const USAGE = `usage: npm run -s token -- --role <${ROLES.join('|')}> [--country <ISO alpha-2>] [--sub <subject>] [--ttl <seconds>]`;

/** `npm run token -- --role partner --country CR --sub cr-csirt` prints a token signed with JWT_SECRET. */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      country: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '28800' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(
      `${USAGE}\n\nPrints a development token signed with JWT_SECRET, for example:\n` +
        `  TOKEN=$(npm run -s token -- --role partner --country CR --sub cr-csirt)\n`,
    );
    return 0;
  }
  const role = values.role;
  if (role === undefined || !(ROLES as readonly string[]).includes(role)) {
    console.error(`--role is required and must be one of ${ROLES.join(', ')}\n${USAGE}`);
    return 2;
  }
  const country = values.country?.toUpperCase();
  if (role === 'partner' && (country === undefined || !/^[A-Z]{2}$/.test(country))) {
    console.error(`a partner token needs --country with an ISO 3166-1 alpha-2 code (e.g. CR)\n${USAGE}`);
    return 2;
  }
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    console.error(`--ttl must be a positive number of seconds\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  if (config.jwt.secret === undefined) {
    console.error('JWT_PUBLIC_KEY is configured: tokens come from the identity provider and cannot be minted here');
    return 2;
  }
  const token = await mintToken(
    config.jwt.secret,
    { sub: values.sub ?? `${role}-dev`, role: role as Role, country: role === 'partner' ? country : undefined },
    { ttlSeconds, issuer: config.jwt.issuer, audience: config.jwt.audience },
  );
  process.stdout.write(`${token}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // parseArgs refuses unknown options with a TypeError whose message names the option.
    console.error(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(1);
  },
);

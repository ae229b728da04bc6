import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config';
import { loadOrCreateDevelopmentSecret } from '../config/development-secret';
import { EnvironmentKeyVault } from './personal-data-vault';

/** The file a development PERSONAL_DATA_KEY is kept in, under `config.dataDir`. */
export const DEVELOPMENT_PERSONAL_DATA_KEY_FILE = 'personal-data-key';

/**
 * The vault of PERSONAL_DATA_KEY; without it (never in production: the configuration refuses
 * that) a key is generated once and kept in `${dataDir}/personal-data-key` (mode 0600), the way
 * the development audit signing key is. Losing that file makes every stored contact unreadable.
 */
export function personalDataVaultFromConfig(config: AppConfig, logger = new Logger('personal-data')): EnvironmentKeyVault {
  if (config.personalDataKey !== undefined) return new EnvironmentKeyVault(config.personalDataKey);
  if (config.nodeEnv === 'production') throw new Error('PERSONAL_DATA_KEY is required when NODE_ENV=production');
  const file = join(config.dataDir, DEVELOPMENT_PERSONAL_DATA_KEY_FILE);
  const text = loadOrCreateDevelopmentSecret(file, () => `${randomBytes(32).toString('base64')}\n`).trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold 32 bytes in base64: delete it to have a new one generated (contacts sealed with it become unreadable)`);
  logger.warn(`PERSONAL_DATA_KEY is not set: sealing contact details with the development key in ${file} (never do this in production)`);
  return new EnvironmentKeyVault(key);
}

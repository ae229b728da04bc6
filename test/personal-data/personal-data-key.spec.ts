import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/env.schema';
import { DEVELOPMENT_PERSONAL_DATA_KEY_FILE, personalDataVaultFromConfig } from '../../src/personal-data/personal-data-key';

const REQUEST = '019ac9a0-0000-7000-8000-00000000f101';

describe('PERSONAL_DATA_KEY', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'personal-data-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('outside production without a key, generates one once, keeps it (mode 0600) in the data folder, and warns', async () => {
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) } as never;
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data') });
    const first = personalDataVaultFromConfig(config, logger);
    const file = join(dir, 'data', DEVELOPMENT_PERSONAL_DATA_KEY_FILE);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([expect.stringContaining('PERSONAL_DATA_KEY is not set')]);
    // A second start (another process) uses the same key: what one sealed, the other opens.
    const { key, sealed } = await first.newDataKey(REQUEST);
    const second = personalDataVaultFromConfig(config, logger);
    expect((await second.openDataKey(REQUEST, sealed)).equals(key)).toBe(true);
  });

  it('uses PERSONAL_DATA_KEY when given, and writes no file', async () => {
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data'), PERSONAL_DATA_KEY: Buffer.alloc(32, 9).toString('base64') });
    const vault = personalDataVaultFromConfig(config);
    const { key, sealed } = await vault.newDataKey(REQUEST);
    expect((await personalDataVaultFromConfig(config).openDataKey(REQUEST, sealed)).equals(key)).toBe(true);
    expect(() => statSync(join(dir, 'data', DEVELOPMENT_PERSONAL_DATA_KEY_FILE))).toThrow();
  });
});

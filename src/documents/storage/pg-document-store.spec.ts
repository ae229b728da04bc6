import pg from 'pg';
import { loadConfig } from '../../config/env.schema';
import { PgDocumentStore } from './pg-document-store';

describe('PgDocumentStore', () => {
  it('may be destroyed twice (it is registered as two providers): its pool ends once, without an error', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    const pool = new pg.Pool({ connectionString: config.database.url });
    const store = new PgDocumentStore(pool, config);
    try {
      await expect(Promise.all([store.onModuleDestroy(), store.onModuleDestroy()])).resolves.toEqual([undefined, undefined]);
      await expect(store.onModuleDestroy()).resolves.toBeUndefined();
    } finally {
      await pool.end();
    }
  });
});

import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/env.schema';
import { MIGRATIONS } from './index';

/** The TypeORM CLI's data source (`npm run migration:run`). The app migrates itself at start-up. */
export default new DataSource({
  type: 'postgres',
  url: loadConfig().database.url,
  migrations: MIGRATIONS,
  migrationsTableName: 'migrations',
  synchronize: false,
});

/**
 * The baseline target of `npm run bench:filing`, run as its own process by the benchmark.
 * Environment: PORT, HOST, DATABASE_URL (the database must exist; the table is created here).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createValidationPipe } from '../../src/http/validation';
import { BASELINE_TABLE, BaselineModule } from './baseline.module';

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? '3100');
  const host = process.env['HOST'] ?? '127.0.0.1';
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl === undefined) throw new Error('DATABASE_URL is required');

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE IF NOT EXISTS ${BASELINE_TABLE} (id uuid PRIMARY KEY, body jsonb NOT NULL)`);

  const app = await NestFactory.create<NestFastifyApplication>(BaselineModule.forRoot(pool), new FastifyAdapter(), {
    logger: ['fatal', 'error', 'warn'],
  });
  app.useGlobalPipes(createValidationPipe());
  await app.listen({ port, host });
  console.error(`filing baseline listening on http://${host}:${port}`);
}

main().catch((error: unknown) => {
  console.error('filing baseline failed to start:', error);
  process.exit(1);
});

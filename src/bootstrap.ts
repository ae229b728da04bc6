import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import type { AppConfig, AppRole } from './config/app-config';
import { ConfigError, loadConfig } from './config/env.schema';
import { DatabaseUnreachableError, prepareDatabase } from './database/prepare-database';
import { stopOnSignals } from './http/graceful-shutdown';
import { configureHttpApp, createFastifyAdapter, NEST_APP_OPTIONS } from './http/http-app';
import { mountOpenApi } from './http/openapi';
import { secureHttpApp } from './http/security';
import { mountQueueDashboard } from './admin/queue-dashboard';

import { Logger } from 'nestjs-pino';
import { createRootLogger, logRequests } from './logging/logging';
import { RedisNotFoundError } from './local-services/child-redis';
import { startLocalServices } from './local-services/local-services';
import { tracingSdk } from './tracing/register';
import type { Logger as PinoRoot } from 'pino';

/**
 * Starts one process: prepares the database, then serves HTTP (the API, or only health checks
 * for a worker) and, in the worker role, runs the relay and the queue processors.
 */
export async function bootstrap(role?: AppRole): Promise<void> {
  const loaded = loadConfig();
  const configured: AppConfig = role === undefined ? loaded : { ...loaded, role };
  const root = createRootLogger(configured, process.stdout.isTTY);
  const logger = root.child({ context: 'bootstrap' });
  if (configured.jwt.usingDevelopmentSecret) {
    logger.warn('JWT_SECRET is not set: using the built-in development secret. Never do this in production.');
  }
  const local = await startLocalServices(configured, root.child({ context: 'local-services' }));
  try {
    await serve(local.config, root, async () => {
      await local.stop();
      await tracingSdk.shutdown();
    });
  } catch (error) {
    await local.stop();
    throw error;
  }
}

async function serve(config: AppConfig, root: PinoRoot, stopLocalServices: () => Promise<void>): Promise<void> {
  const logger = root.child({ context: 'bootstrap' });
  const applied = await prepareDatabase(config.database.url, {
    onRetry: (reason, attempt) => logger.warn(`PostgreSQL is restarting (${reason}): preparing the database again, attempt ${attempt + 1}`),
  });
  logger.info(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, root), createFastifyAdapter(config.http.trustProxy), {
    ...NEST_APP_OPTIONS,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  configureHttpApp(app);
  logRequests(app.getHttpAdapter().getInstance(), root);
  await secureHttpApp(app, config);
  if (config.role !== 'worker') await mountQueueDashboard(app);
  stopOnSignals(app, { graceMs: config.shutdownGraceMs, logger: new NestLogger('shutdown'), afterClose: stopLocalServices });
  if (config.role !== 'worker') mountOpenApi(app);
  await app.listen({ port: config.port, host: config.host });
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${config.port}`;
  logger.info(`cdt-fund (${config.role}) listening on ${url}`);
  if (config.role !== 'worker') {
    logger.info(`  health: ${url}/health/ready   API docs: ${url}/docs`);
    // Tokens are minted here only with the development secret: production tokens come from the identity provider.
    if (config.nodeEnv !== 'production') {
      logger.info('  get a token: TOKEN=$(npm run -s token -- --role partner --country CR --sub cr-csirt)');
      logger.info(`  then: curl -H "Authorization: Bearer $TOKEN" ${url}/v1/aid-requests`);
    }
  }
}

export function exitOnStartupFailure(error: unknown): never {
  if (error instanceof ConfigError || error instanceof DatabaseUnreachableError || error instanceof RedisNotFoundError) console.error(error.message);
  else console.error('cdt-fund failed to start:', error);
  process.exit(1);
}

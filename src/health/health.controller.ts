import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { Public } from '../auth/roles.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PG_POOL } from '../database/pg-pool';
import { RedisProbe } from '../queues/redis-probe';
import { SigningKeyCheck } from '../audit/signing-key-check';

type Check = { status: 'up' } | { status: 'down'; error: string };

const CHECK_SCHEMA = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] }, error: { type: 'string' }, keyId: { type: 'string' } },
};
const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'role', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    role: { type: 'string', enum: ['api', 'worker', 'all'] },
    checks: { type: 'object', required: ['postgres', 'redis', 'auditSigningKey'], properties: { postgres: CHECK_SCHEMA, redis: CHECK_SCHEMA, auditSigningKey: CHECK_SCHEMA } },
  },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisProbe,
    private readonly signingKey: SigningKeyCheck,
  ) {}

  /** The process is up. */
  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * The process can do its job. The API needs Postgres only (filing does not need Redis, so Redis
   * being away is reported but not fatal); the worker role needs both. Every role is not ready
   * while the audit signing key may not sign (a rotation without AUDIT_PREVIOUS_PUBLIC_KEYS): the
   * sealer stops and every verifier would refuse the older checkpoints.
   */
  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: each dependency the role needs, and the audit signing key' })
  @ApiOkResponse({ description: 'ready', schema: READINESS_SCHEMA })
  @ApiResponse({ status: 503, description: 'not ready: the same body, naming the check that is down', content: { 'application/json': { schema: READINESS_SCHEMA } } })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const [postgres, redis, auditSigningKey] = await Promise.all([
      this.pool.query('SELECT 1').then(
        (): Check => ({ status: 'up' }),
        (error: unknown): Check => ({ status: 'down', error: error instanceof Error ? error.message : String(error) }),
      ),
      this.redis.ping(),
      this.signingKey.status().then(
        (status): Check & { keyId?: string } => (status.ok ? { status: 'up', keyId: status.keyId } : { status: 'down', keyId: status.keyId, error: status.error }),
        // Postgres away is reported by its own check.
        (): Check => ({ status: 'down', error: 'the last checkpoint could not be read' }),
      ),
    ]);
    const needsRedis = this.config.role !== 'api';
    const ok = postgres.status === 'up' && (!needsRedis || redis.status === 'up') && auditSigningKey.status === 'up';
    await reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ready' : 'not_ready', role: this.config.role, checks: { postgres, redis, auditSigningKey } });
  }
}

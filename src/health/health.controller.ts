import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { Public } from '../auth/roles.decorator';
import { PG_POOL } from '../database/pg-pool';

@Controller('health')
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The process is up. */
  @Get('live')
  @Public()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can do its job: the API role needs Postgres. */
  @Get('ready')
  @Public()
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const postgres = await this.pool.query('SELECT 1').then(
      () => ({ status: 'up' as const }),
      (error: unknown) => ({ status: 'down' as const, error: error instanceof Error ? error.message : String(error) }),
    );
    const ok = postgres.status === 'up';
    await reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: { postgres } });
  }
}

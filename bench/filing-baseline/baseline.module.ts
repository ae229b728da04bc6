import { Body, Controller, Get, Inject, Module, Post, type DynamicModule } from '@nestjs/common';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { FileAidRequestDto } from '../../src/aid-requests/commands/file-aid-request/file-aid-request.dto';

export const BASELINE_POOL = Symbol('BASELINE_POOL');
export const BASELINE_TABLE = 'baseline_filings';

/**
 * The baseline of `bench:filing`: the same route and the same DTO, validated by the same pipe, but
 * no authentication, no CQRS, no event store — one plain INSERT of the body.
 */
@Controller('v1/aid-requests')
export class BaselineFilingController {
  constructor(@Inject(BASELINE_POOL) private readonly pool: pg.Pool) {}

  @Post()
  async file(@Body() dto: FileAidRequestDto): Promise<{ id: string }> {
    const id = uuidv7();
    await this.pool.query(`INSERT INTO ${BASELINE_TABLE} (id, body) VALUES ($1, $2)`, [id, JSON.stringify(dto)]);
    return { id };
  }
}

@Controller('health')
export class BaselineHealthController {
  constructor(@Inject(BASELINE_POOL) private readonly pool: pg.Pool) {}

  @Get()
  async ready(): Promise<{ status: 'ok' }> {
    await this.pool.query('SELECT 1');
    return { status: 'ok' };
  }
}

@Module({})
export class BaselineModule {
  static forRoot(pool: pg.Pool): DynamicModule {
    return {
      module: BaselineModule,
      controllers: [BaselineFilingController, BaselineHealthController],
      providers: [{ provide: BASELINE_POOL, useValue: pool }],
    };
  }
}

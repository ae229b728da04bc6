import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../../database/pg-pool';
import type { FundView } from './fund-view';

@Injectable()
export class FundViewStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(fiscalYear: number): Promise<FundView | undefined> {
    const { rows } = await this.pool.query<{ view: FundView }>({
      name: 'fund_view_by_year',
      text: 'SELECT view FROM fund_views WHERE fiscal_year = $1',
      values: [fiscalYear],
    });
    return rows[0]?.view;
  }
}

import { Injectable } from '@nestjs/common';
import type { SqlEffect } from '@app/event-store';
import type { FundView } from './fund-view';

/** Keeps `fund_views` current, as an effect of every append to a fund stream (fund_view_project). */
@Injectable()
export class FundViewProjection {
  effect(view: FundView): SqlEffect {
    return { sql: 'SELECT fund_view_project($1)', arg: { fiscalYear: view.fiscalYear, version: view.version, viewJson: JSON.stringify(view) } };
  }
}

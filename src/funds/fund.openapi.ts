import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { ETAG_HEADER, LOCATION_HEADER, namedSchema, REPLAYED_HEADER } from '../http/api-docs';
import { FUND_WINDOWS, MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from './domain/fund.values';

const cents: SchemaObject = { type: 'integer', description: 'US cents' };
const windowView: SchemaObject = {
  type: 'object',
  required: ['allocated', 'committed', 'disbursed', 'available'],
  properties: { allocated: cents, committed: cents, disbursed: cents, available: cents },
};

/** `GET /v1/funds/{fiscalYear}`, and the answer of an allocation. */
export const FUND_VIEW = namedSchema('FundView', {
  type: 'object',
  required: ['fiscalYear', 'version', 'windows'],
  properties: {
    fiscalYear: { type: 'integer' },
    version: { type: 'integer' },
    windows: { type: 'object', required: [...FUND_WINDOWS], properties: Object.fromEntries(FUND_WINDOWS.map((window) => [window, windowView])) },
  },
});

/** `{fiscalYear}`, named by the calendar year in which the fiscal year ends. */
export const ApiFiscalYear = () =>
  ApiParam({ name: 'fiscalYear', description: 'the calendar year in which the fiscal year ends', schema: { type: 'integer', minimum: MIN_FISCAL_YEAR, maximum: MAX_FISCAL_YEAR } });

/** An answer that is the fund view, with its ETag (and on an allocation, its Location). */
export function ApiFundAnswer(status: 200 | 201, description: string) {
  return applyDecorators(
    ApiResponse({
      status,
      description,
      content: { 'application/json': { schema: FUND_VIEW } },
      headers: { ...ETAG_HEADER, ...(status === 201 ? { ...LOCATION_HEADER, ...REPLAYED_HEADER } : {}) },
    }),
  );
}

import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { ETAG_HEADER, LOCATION_HEADER, namedSchema, nullable, REPLAYED_HEADER } from '../http/api-docs';
import { RISK_LEVELS } from './domain/partner.values';

const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const riskLevel: SchemaObject = { type: 'string', enum: [...RISK_LEVELS] };

const ASSESSMENT: SchemaObject = {
  type: 'object',
  required: ['riskLevel', 'validUntil', 'summary', 'assessedBy', 'assessedAt'],
  properties: {
    riskLevel,
    validUntil: { ...dateTime, description: 'the assessment is valid until this instant' },
    summary: { type: 'string' },
    assessedBy: { type: 'string', description: 'the officer who assessed' },
    assessedAt: dateTime,
  },
};

/** `GET /v1/partners/{country}`, and the answer of an assessment. */
export const PARTNER_VIEW = namedSchema('PartnerView', {
  type: 'object',
  required: ['country', 'riskLevel', 'validUntil', 'assessments', 'version'],
  properties: {
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    riskLevel: { ...nullable(riskLevel), enum: [...RISK_LEVELS, null] as string[], description: 'of the latest assessment; null before any' },
    validUntil: { ...nullable(dateTime), description: 'of the latest assessment; null before any' },
    assessments: { type: 'array', items: ASSESSMENT, description: 'every assessment, oldest first' },
    version: { type: 'integer', description: 'the partner stream’s version; the ETag' },
  },
});

/** `{country}`, the partner country. */
export const ApiCountry = () =>
  ApiParam({ name: 'country', description: 'the partner country, ISO 3166-1 alpha-2 in capitals', schema: { type: 'string', pattern: '^[A-Z]{2}$', example: 'CR' } });

/** An answer that is the partner view, with its ETag (and on an assessment, its Location). */
export function ApiPartnerAnswer(status: 200 | 201, description: string) {
  return applyDecorators(
    ApiResponse({
      status,
      description,
      content: { 'application/json': { schema: PARTNER_VIEW } },
      headers: { ...ETAG_HEADER, ...(status === 201 ? { ...LOCATION_HEADER, ...REPLAYED_HEADER } : {}) },
    }),
  );
}

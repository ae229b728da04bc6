import { Param } from '@nestjs/common';
import { problem } from '../common/problem-details';
import { ProblemException } from '../common/problem-details.filter';
import { COUNTRY_CODE } from './domain/partner.values';

/** `:country`: an ISO 3166-1 alpha-2 code in capitals (as in tokens and the request filters), or 400. */
export const Country = () =>
  Param('country', {
    transform: (value: unknown) => {
      if (typeof value !== 'string' || !COUNTRY_CODE.test(value)) {
        throw new ProblemException(
          problem(400, 'country.invalid', 'the country must be an ISO 3166-1 alpha-2 code in capitals, e.g. CR', {
            errors: [{ field: 'country', message: 'must be an ISO 3166-1 alpha-2 code in capitals' }],
          }),
        );
      }
      return value;
    },
  });

export function partnerLocation(country: string): string {
  return `/v1/partners/${country}`;
}

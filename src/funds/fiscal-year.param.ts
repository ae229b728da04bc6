import { Param, ParseIntPipe } from '@nestjs/common';
import { problem } from '../common/problem-details';
import { ProblemException } from '../common/problem-details.filter';
import { MAX_FISCAL_YEAR, MIN_FISCAL_YEAR } from './domain/fund.values';

/** `:fiscalYear`: a four-digit year, named by the calendar year in which the fiscal year ends. */
export const FiscalYear = () =>
  Param(
    'fiscalYear',
    new ParseIntPipe({
      exceptionFactory: () => invalidFiscalYear(),
    }),
    {
      transform: (value: number) => {
        if (value < MIN_FISCAL_YEAR || value > MAX_FISCAL_YEAR) throw invalidFiscalYear();
        return value;
      },
    },
  );

function invalidFiscalYear() {
  return new ProblemException(
    problem(400, 'fiscal_year.invalid', 'the fiscal year must be a four-digit year, e.g. 2027', {
      errors: [{ field: 'fiscalYear', message: 'must be a four-digit year' }],
    }),
  );
}

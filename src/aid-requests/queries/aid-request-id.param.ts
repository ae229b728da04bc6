import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ProblemException } from '../../common/problem-details.filter';
import { problem } from '../../common/problem-details';

export function notFound(id: string) {
  return new ProblemException(problem(404, 'aid_request.not_found', `aid request ${id} does not exist or is not visible to you`));
}

/** `:id` must be a UUID; anything else cannot name a request, so it is answered like an unknown one. */
export const AidRequestId = () =>
  Param(
    'id',
    new ParseUUIDPipe({
      exceptionFactory: () => notFound('with this id'),
    }),
  );

import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldProblem } from '@app/event-store';

/** Flattens class-validator's tree into `errors[]` entries named by their dotted path (`capacity.milestones.0.amount`). */
export function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    for (const message of Object.values(error.constraints ?? {})) problems.push({ field, message });
    if (error.children && error.children.length > 0) problems.push(...fieldProblems(error.children, field));
  }
  return problems;
}

/** Bodies and query strings: unknown fields refused, every problem named by its field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = fieldProblems(errors);
      const fields = [...new Set(problems.map((p) => p.field))];
      return new BadRequestException({
        message: `the request is not valid: ${fields.length > 0 ? fields.join(', ') : 'the body must be a JSON object'}`,
        errors: problems.length > 0 ? problems : [{ field: '', message: 'the body must be a JSON object' }],
      });
    },
  });
}

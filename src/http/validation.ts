import { BadRequestException, ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import type { FieldProblem } from '@app/event-store';

/** Deeper than any body or query of the API needs (a capacity milestone's title is four levels down). */
export const MAX_INPUT_DEPTH = 16;

/** In `u` mode a surrogate pair is one code point outside this range: only an unpaired one matches. */
const UNPAIRED_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why Postgres could not store `text`: U+0000 (text and jsonb refuse it) or an unpaired surrogate (no UTF-8 form). */
function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains the NUL character (U+0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'contains an unpaired surrogate (not well-formed Unicode)';
  return undefined;
}

/**
 * What class-validator does not look at, yet would fail later with a 500: text Postgres cannot
 * store (in any string or member name) and nesting deep enough to exhaust class-transformer's
 * recursion. Walks without recursion, so every input the body limit admits is checked; the
 * fields are named as class-validator names them (`capacity.milestones.0.title`), below `root`.
 */
export function unstorableInput(input: unknown, root = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: { value: unknown; field: string; depth: number }[] = [{ value: input, field: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, field, depth } = next;
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem !== undefined) problems.push({ field, message: `${field || 'the value'} ${problem}` });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth === MAX_INPUT_DEPTH) {
      problems.push({ field, message: `${field || 'the value'} is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      continue;
    }
    const members = Object.entries(value as Record<string, unknown>);
    for (let i = members.length - 1; i >= 0; i--) {
      const [key, member] = members[i]!;
      const problem = unstorableText(key);
      if (problem === undefined) pending.push({ value: member, field: field === '' ? key : `${field}.${key}`, depth: depth + 1 });
      else problems.push({ field, message: `a member name of ${field || 'the value'} ${problem}` });
    }
  }
  return problems;
}

/**
 * class-validator's constraints that say what type a value must have. When one of them fails, the
 * range and length checks on the same value say nothing useful ("must not be less than 1" about a
 * string), so only the type is reported.
 */
const TYPE_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isDateString',
  'isISO8601',
  'nestedValidation',
]);

/** The messages to report for one value: its type problem alone when it has the wrong type, else all of them. */
function constraintMessages(constraints: Readonly<Record<string, string>>): string[] {
  const typeMessages = Object.entries(constraints)
    .filter(([name]) => TYPE_CONSTRAINTS.has(name))
    .map(([, message]) => message);
  return typeMessages.length > 0 ? typeMessages.slice(0, 1) : Object.values(constraints);
}

/** Flattens class-validator's tree into `errors[]` entries named by their dotted path (`capacity.milestones.0.amount`). */
export function fieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    for (const message of constraintMessages(error.constraints ?? {})) problems.push({ field, message });
    if (error.children && error.children.length > 0) problems.push(...fieldProblems(error.children, field));
  }
  return problems;
}

/** The 400 for a body or query string that is not valid: every problem named by its field. */
export function invalidInput(found: readonly FieldProblem[]): BadRequestException {
  const problems = found.length > 0 ? found : [{ field: '', message: 'the body must be a JSON object' }];
  const fields = [...new Set(problems.map((p) => p.field).filter((field) => field !== ''))];
  return new BadRequestException({
    message: `the request is not valid: ${fields.length > 0 ? fields.join(', ') : problems[0]!.message}`,
    errors: problems,
  });
}

/**
 * Refuses unstorable query strings (see unstorableInput) before class-transformer and
 * class-validator see them; bodies were checked as they were parsed (configureHttpApp). Path
 * parameters are left to each route's own parsing (an `:id` that is not a UUID is answered as an
 * unknown request).
 */
class InputValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query') {
      const problems = unstorableInput(value, metadata.data ?? '');
      if (problems.length > 0) throw invalidInput(problems);
    }
    return super.transform(value, metadata);
  }
}

/** Bodies and query strings: unknown fields refused, every problem named by its field. */
export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidInput(fieldProblems(errors)),
  });
}

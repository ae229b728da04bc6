import { ProblemException } from './problem-details.filter';
import { problem } from './problem-details';

/** Opaque pagination cursors: base64url JSON the client passes back unchanged. */
export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isValid(value)) {
    throw new ProblemException(
      problem(400, 'cursor.invalid', 'cursor is not one this API issued; pass back nextCursor unchanged', {
        errors: [{ field: 'cursor', message: 'not a cursor this API issued' }],
      }),
    );
  }
  return value;
}

/** Money in events: integer cents as a decimal string, so no reader ever sees a float. */
export type CentsString = string;

export function toCentsString(amount: bigint): CentsString {
  return amount.toString();
}

export function fromCentsString(amount: CentsString): bigint {
  return BigInt(amount);
}

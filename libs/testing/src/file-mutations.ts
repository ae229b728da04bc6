import fc from 'fast-check';

/** One single mutation of a file, and the file it gives. */
export interface FileMutation {
  /** What was done, for the failure message (e.g. `flip bit 3 of byte 812`). */
  readonly label: string;
  readonly bytes: Buffer;
}

/**
 * Every single mutation an attacker (or a broken copy) could make to a line-oriented file: a bit
 * flipped, a byte replaced, inserted or deleted anywhere (newlines included), or a whole line
 * dropped, duplicated or swapped with another. Each result differs from `original`.
 */
export function fileMutation(original: Buffer): fc.Arbitrary<FileMutation> {
  const text = original.toString('utf8');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  const joined = (ls: readonly string[]): Buffer => Buffer.from(ls.map((l) => `${l}\n`).join(''), 'utf8');
  const at = fc.nat({ max: Math.max(0, original.length - 1) });
  const line = fc.nat({ max: Math.max(0, lines.length - 1) });

  const byteMutation = fc.oneof(
    fc.tuple(at, fc.nat({ max: 7 })).map(([i, bit]): FileMutation => {
      const bytes = Buffer.from(original);
      bytes[i] = bytes[i]! ^ (1 << bit);
      return { label: `flip bit ${bit} of byte ${i}`, bytes };
    }),
    fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, delta]): FileMutation => {
      const bytes = Buffer.from(original);
      bytes[i] = (bytes[i]! + delta) % 256;
      return { label: `replace byte ${i} with ${bytes[i]}`, bytes };
    }),
    fc.tuple(fc.nat({ max: original.length }), fc.nat({ max: 255 })).map(([i, byte]): FileMutation => ({
      label: `insert byte ${byte} at ${i}`,
      bytes: Buffer.concat([original.subarray(0, i), Buffer.of(byte), original.subarray(i)]),
    })),
    at.map((i): FileMutation => ({ label: `delete byte ${i}`, bytes: Buffer.concat([original.subarray(0, i), original.subarray(i + 1)]) })),
  );
  const lineMutation = fc.oneof(
    line.map((i): FileMutation => ({ label: `drop line ${i + 1}`, bytes: joined(lines.filter((_, k) => k !== i)) })),
    line.map((i): FileMutation => ({ label: `duplicate line ${i + 1}`, bytes: joined([...lines.slice(0, i + 1), ...lines.slice(i)]) })),
    fc
      .tuple(line, line)
      .filter(([a, b]) => lines[a] !== lines[b])
      .map(([a, b]): FileMutation => {
        const swapped = [...lines];
        [swapped[a], swapped[b]] = [lines[b]!, lines[a]!];
        return { label: `swap lines ${a + 1} and ${b + 1}`, bytes: joined(swapped) };
      }),
  );
  return fc.oneof({ arbitrary: byteMutation, weight: 3 }, { arbitrary: lineMutation, weight: 1 });
}

import { MAX_INPUT_DEPTH, unstorableInput } from './validation';

/** `depth` arrays, one inside the other, around `inner`. */
function nested(depth: number, inner: unknown = 'leaf'): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('unstorableInput', () => {
  it('accepts ordinary JSON, including characters outside the BMP and empty containers', () => {
    const body = {
      title: 'Rançongiciel sur les douanes 🔒',
      amount: 12,
      ongoing: true,
      contact: null,
      capacity: { milestones: [{ title: 'Phase 1', amount: 1 }], sectors: [] },
    };
    expect(unstorableInput(body)).toEqual([]);
  });

  it('names each string holding U+0000 or an unpaired surrogate by its dotted path', () => {
    const body = {
      title: 'Ransom\u0000ware',
      incident: { sectors: ['energy', 'fin\uD800ance'] },
      capacity: { milestones: [{ title: 'ok' }, { title: '\uDC00 low half alone' }] },
    };
    expect(unstorableInput(body)).toEqual([
      { field: 'title', message: 'title contains the NUL character (U+0000)' },
      { field: 'incident.sectors.1', message: 'incident.sectors.1 contains an unpaired surrogate (not well-formed Unicode)' },
      { field: 'capacity.milestones.1.title', message: 'capacity.milestones.1.title contains an unpaired surrogate (not well-formed Unicode)' },
    ]);
  });

  it('names the object whose member name cannot be stored', () => {
    expect(unstorableInput({ contact: { 'na\u0000me': 'Ana' } })).toEqual([
      { field: 'contact', message: 'a member name of contact contains the NUL character (U+0000)' },
    ]);
  });

  it('names a query parameter or a bare value under the root it is given', () => {
    expect(unstorableInput('a\u0000b', 'streamId')).toEqual([{ field: 'streamId', message: 'streamId contains the NUL character (U+0000)' }]);
    expect(unstorableInput('a\u0000b')).toEqual([{ field: '', message: 'the value contains the NUL character (U+0000)' }]);
  });

  it(`accepts nesting ${MAX_INPUT_DEPTH} levels deep and refuses one more, where it starts`, () => {
    expect(unstorableInput({ a: nested(MAX_INPUT_DEPTH - 1) })).toEqual([]);
    const path = `a${'.0'.repeat(MAX_INPUT_DEPTH - 1)}`;
    expect(unstorableInput({ a: nested(MAX_INPUT_DEPTH) })).toEqual([
      { field: path, message: `${path} is nested more than ${MAX_INPUT_DEPTH} levels deep` },
    ]);
  });

  it('walks any nesting a body can hold without exhausting the stack', () => {
    expect(() => unstorableInput(nested(200_000))).not.toThrow();
    expect(unstorableInput(nested(200_000))).toHaveLength(1);
  });
});

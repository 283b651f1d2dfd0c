import { expect } from 'chai';
import fc from 'fast-check';
import { isUuid } from '../../src/domain/model/uuid';

/** The definition: canonical 8-4-4-4-12 hexadecimal, either case. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Strings near a UUID: one character replaced, inserted or removed, or a case changed. */
const nearUuid = fc
  .tuple(
    fc.uuid(),
    fc.nat(40),
    fc.constantFrom('replace', 'insert', 'remove', 'upper'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  )
  .map(([uuid, at, how, char]) => {
    const i = at % uuid.length;
    if (how === 'replace') return uuid.slice(0, i) + char + uuid.slice(i + 1);
    if (how === 'insert') return uuid.slice(0, i) + char + uuid.slice(i);
    if (how === 'remove') return uuid.slice(0, i) + uuid.slice(i + 1);
    return uuid.toUpperCase();
  });

describe('isUuid', () => {
  it('agrees with the canonical pattern on UUIDs, near-UUIDs and any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), nearUuid, fc.string({ unit: 'binary' })), (text) => {
        expect(isUuid(text), JSON.stringify(text)).to.equal(UUID.test(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('is false for what is not a string', () => {
    for (const value of [undefined, null, 42, {}, ['00000000-0000-0000-0000-000000000000']]) {
      expect(isUuid(value)).to.equal(false);
    }
  });

  it('accepts both cases and refuses braces, a missing dash and a non-hex digit', () => {
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).to.equal(true);
    expect(isUuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).to.equal(true);
    expect(isUuid('{0f8fad5b-d9cb-469f-a165-70867728950e}')).to.equal(false);
    expect(isUuid('0f8fad5bd9cb-469f-a165-70867728950e0')).to.equal(false);
    expect(isUuid('0f8fad5b-d9cb-469f-a165-70867728950g')).to.equal(false);
    // The characters next to each hexadecimal range.
    for (const c of ['/', ':', '@', 'G', '`', 'g']) {
      expect(isUuid(`0f8fad5b-d9cb-469f-a165-70867728950${c}`), c).to.equal(false);
    }
  });
});

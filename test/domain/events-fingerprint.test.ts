import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { eventsFingerprint } from '../../src/domain/repository/append-batch';

/** The fingerprint as first stored: SHA-256 fed part by part. Stored keys must keep matching. */
function partByPart(aggregateType: string, rows: { eventType: string; payloadJson: string }[]) {
  const hash = createHash('sha256').update(aggregateType);
  for (const row of rows)
    hash.update('\u0000').update(row.eventType).update('\u0000').update(row.payloadJson);
  return hash.digest('base64url');
}

const row = (payloadChars: number) =>
  fc.record({
    eventType: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
    payloadJson: fc
      .string({ maxLength: payloadChars, unit: 'grapheme' })
      .map((text) => JSON.stringify({ text })),
  });

describe('eventsFingerprint', () => {
  it('hashes the same bytes as SHA-256 fed part by part, for small saves and large ones', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.oneof(
          fc.array(row(200), { minLength: 1, maxLength: 5 }),
          // Past the one-call bound: hashed part by part.
          fc
            .array(row(40_000), { minLength: 2, maxLength: 4 })
            .map((rows) => [
              ...rows,
              { eventType: 'Big', payloadJson: JSON.stringify({ text: 'x'.repeat(70_000) }) },
            ]),
        ),
        (aggregateType, rows) => {
          expect(eventsFingerprint(aggregateType, rows)).to.equal(partByPart(aggregateType, rows));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('tells apart saves whose parts only differ in where one ends', () => {
    expect(eventsFingerprint('T', [{ eventType: 'A', payloadJson: '{"a":1}' }])).to.not.equal(
      eventsFingerprint('T', [{ eventType: 'A{', payloadJson: '"a":1}' }]),
    );
  });
});

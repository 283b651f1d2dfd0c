import { expect } from 'chai';
import fc from 'fast-check';
import { IsInt } from 'class-validator';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  DomainEvent,
  EventSerializer,
  registerUpcaster,
} from '../../src';
import { prepareAppend } from '../../src/domain/repository/append-batch';

@DomainEvent('Test.Batch.Counted', { version: 3 })
class Counted {
  @IsInt() readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}
// Version 3 needs a chain from 1 for repositories of this process to start.
for (const fromVersion of [1, 2]) {
  registerUpcaster({ type: 'Test.Batch.Counted', fromVersion, upcast: (payload) => payload });
}

@Aggregate('Test.Batch.Counter')
class Counter extends AggregateRoot {
  count(n: number): void {
    this.raise(new Counted(n));
  }
  @Apply(Counted) protected onCounted(): void {}
}

describe('prepareAppend metadata', () => {
  const serializer = new EventSerializer();
  const text = fc.string({ unit: 'grapheme', maxLength: 20 });

  it('writes exactly JSON.stringify({ schemaVersion, occurredAt, ...shared }) for any metadata', () => {
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_.:-]{0,10}$/), text, { maxKeys: 4 }),
        (correlationId, actor, headers) => {
          const counter = new Counter();
          counter.count(1);
          const options = { correlationId, actor, headers };
          const [row] = prepareAppend([counter], options, serializer).rows;
          const envelope = counter.getUncommittedEnvelopes()[0];
          const merged = { ...headers, ...(actor === undefined ? {} : { actor }) };
          const expected = {
            schemaVersion: 3,
            occurredAt: envelope.occurredAt.toISOString(),
            ...(correlationId === undefined ? {} : { correlationId }),
            ...(Object.keys(merged).length > 0 ? { headers: merged } : {}),
          };
          expect(row.metadataJson).to.equal(JSON.stringify(expected));
        },
      ),
      { numRuns: 300 },
    );
  });
});

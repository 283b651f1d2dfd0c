import { Type } from 'class-transformer';
import { IsDate, IsInt, IsString, Length, Min, ValidateNested } from 'class-validator';
import { AggregateRoot } from '../../domain/model/aggregate-root';
import { BigIntProperty } from '../../domain/codec/bigint-property.decorator';
import { DomainError } from '../../domain/errors/domain-error';
import { Aggregate } from '../../domain/model/aggregate.decorator';
import { Apply } from '../../domain/model/apply.decorator';
import { DomainEvent } from '../../domain/codec/domain-event.decorator';

/** A value object nested in a contract event. */
export class ContractTag {
  @IsString() @Length(1, 50) readonly label: string;
  @Type(() => Date) @IsDate() readonly at: Date;
  constructor(label: string, at: Date) {
    this.label = label;
    this.at = at;
  }
}

/** Contract event: the counter was created. */
@DomainEvent('TesseraContract.CounterCreated')
export class CounterCreated {
  @IsString() @Length(1, 100) readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

/** Contract event: the counter moved by `by`, carrying a Date, a value object and a bigint. */
@DomainEvent('TesseraContract.CounterIncremented')
export class CounterIncremented {
  @IsInt() @Min(1) readonly by: number;
  @ValidateNested() @Type(() => ContractTag) readonly tag: ContractTag;
  @BigIntProperty() readonly big: bigint;
  constructor(by: number, tag: ContractTag, big: bigint) {
    this.by = by;
    this.tag = tag;
    this.big = big;
  }
}

/** A counter aggregate used by the repository contract suite. */
@Aggregate('TesseraContract.Counter')
export class ContractCounter extends AggregateRoot {
  name = '';
  total = 0;
  bigTotal = 0n;
  tags: string[] = [];

  static create(id: string, name: string): ContractCounter {
    const counter = new ContractCounter(id);
    counter.raise(new CounterCreated(name));
    return counter;
  }

  increment(by = 1): void {
    if (!this.name) throw new DomainError('counter does not exist', 'NO_COUNTER');
    this.raise(
      new CounterIncremented(
        by,
        new ContractTag(`+${by}`, new Date('2026-01-02T03:04:05.678Z')),
        BigInt(by) * 10n ** 20n,
      ),
    );
  }

  @Apply(CounterCreated)
  protected onCreated(event: CounterCreated): void {
    this.name = event.name;
  }

  @Apply(CounterIncremented)
  protected onIncremented(event: CounterIncremented): void {
    this.total += event.by;
    this.bigTotal += event.big;
    this.tags.push(event.tag.label);
  }
}

/** Another aggregate type, to check that a stream is not loaded as the wrong type. */
@Aggregate('TesseraContract.Other')
export class ContractOther extends AggregateRoot {
  @Apply(CounterCreated)
  protected onCreated(): void {}
}

import { Allow } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DomainEvent } from '../../../src';

/** An event that carries any value, unvalidated: what the serializer alone must guard. */
@DomainEvent('TesseraReliability.ProbeRecorded')
export class ProbeRecorded {
  @Allow() readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

/** An aggregate that records arbitrary values, to push hostile payloads at the repositories. */
@Aggregate('TesseraReliability.Probe')
export class Probe extends AggregateRoot {
  values: unknown[] = [];

  record(value: unknown): this {
    this.raise(new ProbeRecorded(value));
    return this;
  }

  @Apply(ProbeRecorded)
  protected onRecorded(event: ProbeRecorded): void {
    this.values.push(event.value);
  }
}

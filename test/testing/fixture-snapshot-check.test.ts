import { expect } from 'chai';
import { Type } from 'class-transformer';
import { IsString } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DomainEvent, EventRoundTripError } from '../../src';
import { AggregateTestFixture } from '../../src/testing';

class Label {
  constructor(readonly text: string) {}
  shout(): string {
    return this.text.toUpperCase();
  }
}

@DomainEvent('Test.FixtureSnap.Labelled')
class Labelled {
  @IsString() readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

@Aggregate('Test.FixtureSnap.Untyped', { snapshotEvery: 10 })
class UntypedSnapshot extends AggregateRoot {
  label: Label | null = null;
  relabel(text: string): void {
    this.raise(new Labelled(text));
  }
  @Apply(Labelled)
  protected onLabelled(event: Labelled): void {
    this.label = new Label(event.text);
  }
}

@Aggregate('Test.FixtureSnap.Typed', { snapshotEvery: 10 })
class TypedSnapshot extends AggregateRoot {
  @Type(() => Label) label: Label | null = null;
  relabel(text: string): void {
    this.raise(new Labelled(text));
  }
  @Apply(Labelled)
  protected onLabelled(event: Labelled): void {
    this.label = new Label(event.text);
  }
}

describe('AggregateTestFixture snapshot check', () => {
  it('refuses, at the first raise, an aggregate whose snapshot would not restore its state', async () => {
    const error = await AggregateTestFixture.for(UntypedSnapshot)
      .when((a) => a.relabel('x'))
      .expectError(EventRoundTripError);
    expect(error.subject).to.equal('snapshot of "Test.FixtureSnap.Untyped"');
    expect(error.path).to.equal('label');
    expect(error.fix).to.contain('@Type(() => Label)');
  });

  it('passes when nested state is annotated for class-transformer', async () => {
    const aggregate = await AggregateTestFixture.for(TypedSnapshot)
      .when((a) => a.relabel('x'))
      .expectEvents(new Labelled('x'));
    expect(aggregate.label?.shout()).to.equal('X');
  });
});

import { IsInt, IsString, Length, Min } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DomainEvent } from '../../../src';

/** A tiny aggregate of the change-feed tests, other than the bank account, to test filters. */
@DomainEvent('FeedTest.SensorRegistered')
export class SensorRegistered {
  @IsString() @Length(1, 50) readonly label: string;
  constructor(label: string) {
    this.label = label;
  }
}

@DomainEvent('FeedTest.ReadingTaken')
export class ReadingTaken {
  @IsInt() @Min(0) readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

@Aggregate('FeedTest.Sensor')
export class Sensor extends AggregateRoot {
  total = 0;

  static register(id: string, label: string): Sensor {
    const sensor = new Sensor(id);
    sensor.raise(new SensorRegistered(label));
    return sensor;
  }

  read(value: number): void {
    this.raise(new ReadingTaken(value));
  }

  @Apply(SensorRegistered)
  private onRegistered(): void {}

  @Apply(ReadingTaken)
  private onReading(event: ReadingTaken): void {
    this.total += event.value;
  }
}

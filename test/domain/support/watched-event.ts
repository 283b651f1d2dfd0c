import { IsString } from 'class-validator';
import { DomainEvent } from '../../../src';

/** A module a test watcher evaluates again: the same class name from the same file. */
@DomainEvent('Test.Watch.Noted')
export class Noted {
  @IsString() readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

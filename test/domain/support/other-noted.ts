import { DomainEvent } from '../../../src';

/** Another file declaring a class of the same name under a name that is taken. */
export function declareOtherNoted(): unknown {
  @DomainEvent('Test.Watch.Noted')
  class Noted {}
  return Noted;
}

import 'reflect-metadata';
import { IsEmail, IsString } from 'class-validator';
import { Aggregate, AggregateRoot, Apply, DataSubject, DomainEvent, PersonalData } from '../src';

/** The personal-data benches' contact event, without `@PersonalData`. */
@DomainEvent('Bench.PlainContactChanged')
export class PlainContactChanged {
  @IsString() readonly customerId: string;
  @IsString() readonly name: string;
  @IsEmail() readonly email: string;
  constructor(customerId: string, name: string, email: string) {
    this.customerId = customerId;
    this.name = name;
    this.email = email;
  }
}

/** The same event with its name and e-mail `@PersonalData` of the customer. */
@DomainEvent('Bench.PersonalContactChanged')
export class PersonalContactChanged {
  @DataSubject() @IsString() readonly customerId: string;
  @PersonalData() @IsString() readonly name: string;
  @PersonalData() @IsEmail() readonly email: string;
  constructor(customerId: string, name: string, email: string) {
    this.customerId = customerId;
    this.name = name;
    this.email = email;
  }
}

/** Which of the two events a change raises. */
export type ContactVariant = 'plain' | 'personal';

/** The aggregate of `bench/personal-data.ts` and `bench/personal-data-costs.ts`. */
@Aggregate('Bench.Customer')
export class BenchCustomer extends AggregateRoot {
  email = '';
  change(variant: ContactVariant, customerId: string, i: number): void {
    const name = `Customer ${i}`;
    const email = `customer.${i}@example.com`;
    this.raise(
      variant === 'plain'
        ? new PlainContactChanged(customerId, name, email)
        : new PersonalContactChanged(customerId, name, email),
    );
  }
  @Apply(PlainContactChanged) protected onPlain(e: PlainContactChanged): void {
    this.email = e.email;
  }
  @Apply(PersonalContactChanged) protected onPersonal(e: PersonalContactChanged): void {
    this.email = e.email;
  }
}

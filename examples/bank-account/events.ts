import { Type } from 'class-transformer';
import {
  IsDate,
  IsEmail,
  IsIn,
  IsInt,
  IsString,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';
import { DomainEvent } from '../../src';

/** Value object: who owns the account. Nested in AccountOpened, so it needs `@Type`. */
export class Owner {
  @IsString() @Length(1, 200) readonly name: string;
  @IsEmail() readonly email: string;
  constructor(name: string, email: string) {
    this.name = name;
    this.email = email;
  }
}

@DomainEvent('BankAccount.AccountOpened', { version: 1 })
export class AccountOpened {
  @ValidateNested() @Type(() => Owner) readonly owner: Owner;
  @IsIn(['EUR', 'USD', 'GBP']) readonly currency: string;
  /** How far below zero the balance may go, in cents. */
  @IsInt() @Min(0) readonly overdraftLimit: number;
  @Type(() => Date) @IsDate() readonly openedAt: Date;
  constructor(owner: Owner, currency: string, overdraftLimit: number, openedAt: Date) {
    this.owner = owner;
    this.currency = currency;
    this.overdraftLimit = overdraftLimit;
    this.openedAt = openedAt;
  }
}

@DomainEvent('BankAccount.MoneyDeposited', { version: 1 })
export class MoneyDeposited {
  /** Cents. */
  @IsInt() @Min(1) readonly amount: number;
  constructor(amount: number) {
    this.amount = amount;
  }
}

@DomainEvent('BankAccount.MoneyWithdrawn', { version: 1 })
export class MoneyWithdrawn {
  /** Cents. */
  @IsInt() @Min(1) readonly amount: number;
  constructor(amount: number) {
    this.amount = amount;
  }
}

@DomainEvent('BankAccount.AccountClosed', { version: 1 })
export class AccountClosed {
  @IsString() @Length(1, 500) readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

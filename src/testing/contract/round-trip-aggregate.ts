import { Type } from 'class-transformer';
import { IsDate, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { AggregateRoot } from '../../domain/model/aggregate-root';
import { Aggregate } from '../../domain/model/aggregate.decorator';
import { Apply } from '../../domain/model/apply.decorator';
import { DomainEvent } from '../../domain/codec/domain-event.decorator';

/*
 * A contract domain for what a save must give back: properties whose types are only declared
 * (no @Type), and the mistakes that must be refused at raise. Every class is registered under a
 * `TesseraContract.RoundTrip.` name.
 */

/** A value object with rules of its own, nested without @Type. */
export class ContractMember {
  @IsUUID() readonly memberId: string;
  @IsString() @Length(1, 50) readonly name: string;
  constructor(memberId: string, name: string) {
    this.memberId = memberId;
    this.name = name;
  }
}

/** A Date and a value object typed only by their TypeScript declarations. */
@DomainEvent('TesseraContract.RoundTrip.MemberJoined')
export class MemberJoined {
  @IsDate() readonly joinedOn: Date;
  @ValidateNested() readonly member: ContractMember;
  constructor(joinedOn: Date, member: ContractMember) {
    this.joinedOn = joinedOn;
    this.member = member;
  }
}

/** A nested value object with rules but no @ValidateNested: its rules would never run on load. */
@DomainEvent('TesseraContract.RoundTrip.MemberTagged')
export class MemberTagged {
  @IsString() readonly note: string;
  readonly member: ContractMember;
  constructor(note: string, member: ContractMember) {
    this.note = note;
    this.member = member;
  }
}

/** A constructor that checks its argument: it cannot run without one, as a load calls it. */
@DomainEvent('TesseraContract.RoundTrip.ClubRenamed')
export class ClubRenamed {
  @IsString() readonly name: string;
  constructor(name: string) {
    this.name = name.trim();
  }
}

/** An aggregate whose snapshot holds a Date and a value object (typed with decorators). */
@Aggregate('TesseraContract.RoundTrip.Club', { snapshotEvery: 2 })
export class ContractClub extends AggregateRoot {
  @Type(() => Date) lastJoinedOn: Date | null = null;
  @Type(() => ContractMember) members: ContractMember[] = [];

  join(joinedOn: Date, member: ContractMember): void {
    this.raise(new MemberJoined(joinedOn, member));
  }

  tag(note: string, member: ContractMember): void {
    this.raise(new MemberTagged(note, member));
  }

  rename(name: string): void {
    this.raise(new ClubRenamed(name));
  }

  @Apply(MemberJoined) protected onJoined(e: MemberJoined): void {
    this.lastJoinedOn = e.joinedOn;
    this.members.push(e.member);
  }

  @Apply(MemberTagged) protected onTagged(): void {}

  @Apply(ClubRenamed) protected onRenamed(): void {}
}

/** An aggregate whose snapshot holds a Date field with no decorator: its type is not emitted. */
@Aggregate('TesseraContract.RoundTrip.Diary', { snapshotEvery: 2 })
export class ContractDiary extends AggregateRoot {
  lastEntryOn: Date | null = null;

  write(on: Date): void {
    this.raise(
      new MemberJoined(on, new ContractMember('00000000-0000-4000-8000-000000000001', 'd')),
    );
  }

  @Apply(MemberJoined) protected onWritten(e: MemberJoined): void {
    this.lastEntryOn = e.joinedOn;
  }
}

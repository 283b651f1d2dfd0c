import { Type } from 'class-transformer';
import { IsEmail, IsString, Length, ValidateNested } from 'class-validator';
import { AggregateRoot } from '../../domain/model/aggregate-root';
import { Aggregate } from '../../domain/model/aggregate.decorator';
import { Apply } from '../../domain/model/apply.decorator';
import { DomainEvent } from '../../domain/codec/domain-event.decorator';
import { PersonalData } from '../../domain/personal-data/personal-data.decorator';
import { DataSubject } from '../../domain/personal-data/data-subject.decorator';
import { DataSubjectOf } from '../../domain/personal-data/data-subject-of.decorator';

/** A value object of personal data nested in the contract's member events. */
export class ContractContact {
  @PersonalData() @IsString() @Length(1, 100) readonly name: string;
  @PersonalData() @IsEmail() readonly email: string;
  constructor(name: string, email: string) {
    this.name = name;
    this.email = email;
  }
}

/** Contract event: a member joined; the subject is a property. */
@DomainEvent('TesseraContract.MemberJoined')
export class MemberJoined {
  @DataSubject() @IsString() readonly memberId: string;
  @ValidateNested() @Type(() => ContractContact) readonly contact: ContractContact;
  @IsString() readonly plan: string;
  constructor(memberId: string, contact: ContractContact, plan: string) {
    this.memberId = memberId;
    this.contact = contact;
    this.plan = plan;
  }
}

/** Contract event: a member's note changed; the subject comes from a resolver. */
@DataSubjectOf((event: MemberNoted) => `member-${event.member}`)
@DomainEvent('TesseraContract.MemberNoted')
export class MemberNoted {
  @IsString() readonly member: string;
  @PersonalData() @IsString() readonly note: string;
  constructor(member: string, note: string) {
    this.member = member;
    this.note = note;
  }
}

/** Contract event holding personal data with no subject declared: saving it must fail. */
@DomainEvent('TesseraContract.Anonymous')
export class ContractAnonymous {
  @PersonalData() @IsString() readonly secret: string;
  constructor(secret: string) {
    this.secret = secret;
  }
}

/** A club of members (each a data subject), snapshotted every 3 events. */
@Aggregate('TesseraContract.Club', { snapshotEvery: 3 })
export class ContractClub extends AggregateRoot {
  @Type(() => ContractContact) members: ContractContact[] = [];
  memberIds: string[] = [];
  notes: string[] = [];

  join(memberId: string, name: string, email: string): void {
    this.raise(new MemberJoined(memberId, new ContractContact(name, email), 'basic'));
  }

  note(member: string, note: string): void {
    this.raise(new MemberNoted(member, note));
  }

  leakAnonymously(secret: string): void {
    this.raise(new ContractAnonymous(secret));
  }

  @Apply(MemberJoined)
  protected onJoined(event: MemberJoined): void {
    this.members.push(event.contact);
    this.memberIds.push(event.memberId);
  }

  @Apply(MemberNoted)
  protected onNoted(event: MemberNoted): void {
    this.notes.push(event.note);
  }

  @Apply(ContractAnonymous)
  protected onAnonymous(): void {}
}

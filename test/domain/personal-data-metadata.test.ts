import { expect } from 'chai';
import { PersonalData } from '../../src';
import { personalPropertiesOf } from '../../src/domain/personal-data/personal-data-metadata';

class Contact {
  @PersonalData() name = 'Ada';
  note = 'plain';
}
class ContactWithEmail extends Contact {
  @PersonalData() email = 'ada@example.com';
}
class SameContact extends Contact {}

describe('personalPropertiesOf', () => {
  it("gives a class's personal properties with its base classes', and no others", () => {
    expect([...personalPropertiesOf(Contact)]).to.deep.equal(['name']);
    expect([...personalPropertiesOf(ContactWithEmail)].sort()).to.deep.equal(['email', 'name']);
    expect([...personalPropertiesOf(SameContact)]).to.deep.equal(['name']);
    expect(personalPropertiesOf(Object).size).to.equal(0);
    expect(personalPropertiesOf(undefined).size).to.equal(0);
  });

  it("merges a chain's sets into a new one, leaving each class's own unchanged", () => {
    personalPropertiesOf(ContactWithEmail);
    expect([...personalPropertiesOf(Contact)]).to.deep.equal(['name']);
    expect(personalPropertiesOf(SameContact)).to.equal(personalPropertiesOf(Contact));
  });
});

import { expect } from 'chai';
import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { dataKey, type DataKey } from '../../src/domain/personal-data/data-key';
import { sealValue } from '../../src/domain/personal-data/sealed-value';
import { EnvironmentMasterKey, FORGOTTEN_VALUE, PersonalDataDecryptionError } from '../../src';
import { DataKeyCache } from '../../src/infrastructure/personal-data/data-key-cache';
import { OpenedValueCache } from '../../src/infrastructure/personal-data/opened-value-cache';
import { PayloadRevealer } from '../../src/infrastructure/personal-data/payload-revealer';
import { PersonalDataKeys } from '../../src/infrastructure/personal-data/personal-data-keys';

function newKey(subjectId: string = randomUUID()): DataKey {
  return dataKey(randomUUID(), subjectId, randomBytes(32));
}

describe('personal data caches', () => {
  describe('OpenedValueCache', () => {
    it('never holds more than its capacity, dropping the oldest', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 8 }),
          fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 60 }),
          (capacity, uses) => {
            const cache = new OpenedValueCache(capacity);
            const key = newKey();
            const sealed = Array.from({ length: 16 }, (_, i) => sealValue(key, `value ${i}`));
            // A model: what was set, oldest first (a hit does not move a value).
            const recent: number[] = [];
            for (const i of uses) {
              const hit = cache.get(sealed[i]);
              expect(hit !== undefined, `value ${i}`).to.equal(recent.includes(i));
              if (!hit) {
                cache.set(sealed[i], `value ${i}`);
                recent.push(i);
                if (recent.length > capacity) recent.shift();
              }
              expect(cache.size).to.equal(recent.length);
            }
            for (const i of recent.slice(-capacity)) {
              expect(cache.get(sealed[i])).to.deep.equal({ value: `value ${i}` });
            }
          },
        ),
      );
    });

    it('drops every value of a key, and only those', () => {
      const cache = new OpenedValueCache(10);
      const ada = newKey();
      const bob = newKey();
      const adaValue = sealValue(ada, 'ada');
      const bobValue = sealValue(bob, 'bob');
      cache.set(adaValue, 'ada');
      cache.set(bobValue, 'bob');
      cache.deleteKey(ada.keyId);
      expect(cache.get(adaValue)).to.equal(undefined);
      expect(cache.get(bobValue)).to.deep.equal({ value: 'bob' });
      expect(cache.size).to.equal(1);
    });

    it('misses a stored form with another nonce or key id', () => {
      const cache = new OpenedValueCache(10);
      const key = newKey();
      const sealed = sealValue(key, 'Ada');
      cache.set(sealed, 'Ada');
      expect(cache.get({ ...sealed, iv: sealValue(key, 'x').iv })).to.equal(undefined);
      expect(cache.get({ ...sealed, $pd: randomUUID() })).to.equal(undefined);
      expect(cache.get({ ...sealed })).to.deep.equal({ value: 'Ada' });
    });

    it('gives a fresh copy of an object value on each hit', () => {
      const cache = new OpenedValueCache(10);
      const sealed = sealValue(newKey(), { street: 'Main' });
      cache.set(sealed, { street: 'Main' });
      const first = cache.get(sealed)!.value as { street: string };
      first.street = 'changed';
      expect(cache.get(sealed)).to.deep.equal({ value: { street: 'Main' } });
    });

    it('is off at 0 and refuses a negative or fractional size', () => {
      const cache = new OpenedValueCache(0);
      const sealed = sealValue(newKey(), 'x');
      cache.set(sealed, 'x');
      expect(cache.get(sealed)).to.equal(undefined);
      expect(() => new OpenedValueCache(-1)).to.throw(TypeError);
      expect(() => new OpenedValueCache(1.5)).to.throw(TypeError);
    });
  });

  describe('DataKeyCache by subject', () => {
    it('gives the last key read for a subject, and forgets it with the key or the bound', () => {
      const cache = new DataKeyCache(2);
      const ada = newKey('ada');
      const wrapped = Buffer.from('wrapped');
      cache.set(wrapped, ada);
      expect(cache.ofSubject('ada')).to.equal(ada);
      const renewed = newKey('ada');
      cache.set(wrapped, renewed);
      expect(cache.ofSubject('ada')).to.equal(renewed);
      // Dropping the older key leaves the subject's newer one.
      cache.delete(ada.keyId);
      expect(cache.ofSubject('ada')).to.equal(renewed);
      cache.set(wrapped, newKey('bob'));
      cache.set(wrapped, newKey('eve'));
      expect(cache.ofSubject('ada')).to.equal(undefined);
      expect(cache.ofSubject('eve')).to.not.equal(undefined);
    });
  });

  describe('PersonalDataKeys', () => {
    const keys = (): PersonalDataKeys =>
      new PersonalDataKeys('personal_data_keys', undefined, 10, 10);

    it('opens a value again after its key was forgotten in this process (nothing cached)', async () => {
      const pd = keys();
      const key = newKey('ada');
      const sealed = sealValue(key, 'Ada');
      expect(pd.open(key, sealed)).to.equal('Ada');
      // A key with the same id and other material: a cached value would still be returned.
      const impostor = dataKey(key.keyId, key.subjectId, randomBytes(32));
      expect(pd.open(impostor, sealed)).to.equal('Ada');
      await pd.forget('ada', <R>() => Promise.resolve([{ key_id: key.keyId }] as R[]));
      expect(() => pd.open(impostor, sealed)).to.throw(PersonalDataDecryptionError);
    });

    it('drops the cached values of a key that a read no longer finds', async () => {
      const pd = keys();
      const key = newKey('ada');
      const sealed = sealValue(key, 'Ada');
      pd.open(key, sealed);
      expect(await pd.byIds([key.keyId], <R>() => Promise.resolve([] as R[]))).to.have.property(
        'size',
        0,
      );
      expect(() => pd.open(dataKey(key.keyId, key.subjectId, randomBytes(32)), sealed)).to.throw(
        PersonalDataDecryptionError,
      );
    });
  });

  describe('PayloadRevealer', () => {
    it('opens the values prepare found, in place, and walks a payload it did not prepare', async () => {
      const masterKey = new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') });
      const ada = newKey('ada');
      // Bob's key is not in the table any more: his values read as the placeholder.
      const bob = newKey('bob');
      const row = {
        subject_id: 'ada',
        key_id: ada.keyId,
        wrapped_key: await masterKey.wrap(ada.key),
        master_key_id: masterKey.masterKeyId,
      };
      const asked: unknown[] = [];
      const revealer = new PayloadRevealer(
        new PersonalDataKeys('personal_data_keys', masterKey, 10, 10),
        <R>(statement: { params: readonly unknown[] }) => {
          asked.push(statement.params[0]);
          return Promise.resolve([row] as R[]);
        },
      );
      const payload = (): Record<string, unknown> => ({
        id: 1,
        name: sealValue(ada, 'Ada'),
        owner: { email: sealValue(ada, 'ada@example.com'), tags: [sealValue(ada, 't'), 'x'] },
        friend: sealValue(bob, 'Bob'),
      });
      const revealed = {
        id: 1,
        name: 'Ada',
        owner: { email: 'ada@example.com', tags: ['t', 'x'] },
        friend: FORGOTTEN_VALUE,
      };
      const prepared = [payload(), payload()];
      const plain = { id: 2, note: 'no personal data' };
      await revealer.prepare([...prepared, plain]);
      expect(asked).to.have.length(1);
      expect([...(asked[0] as string[])].sort()).to.deep.equal([ada.keyId, bob.keyId].sort());
      for (const p of [...prepared, payload()]) expect(revealer.reveal(p)).to.deep.equal(revealed);
      expect(revealer.reveal(plain)).to.deep.equal({ id: 2, note: 'no personal data' });
      // Revealed in place, once: a second reveal finds nothing left to open.
      expect(revealer.reveal(prepared[0])).to.equal(prepared[0]);
      expect(prepared[0]).to.deep.equal(revealed);
    });
  });
});

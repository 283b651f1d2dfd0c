import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { dataKey } from '../../src/domain/personal-data/data-key';
import { NONCE_BYTES, Nonces } from '../../src/domain/personal-data/nonces';
import { openValue, sealValue } from '../../src/domain/personal-data/sealed-value';

describe('Nonces', () => {
  it('never gives the same nonce twice, across the blocks it draws', () => {
    const nonces = new Nonces();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const nonce = nonces.next();
      expect(nonce.length).to.equal(NONCE_BYTES);
      seen.add(nonce.toString('hex'));
    }
    expect(seen.size).to.equal(1000);
  });

  it('leaves a nonce it gave unchanged by later draws (a block is never refilled)', () => {
    const nonces = new Nonces();
    const first = nonces.next();
    const copy = Buffer.from(first);
    for (let i = 0; i < 500; i++) nonces.next();
    expect(first.equals(copy)).to.equal(true);
  });

  it('seals each value under its own nonce, and every value opens', () => {
    const key = dataKey(randomUUID(), randomUUID(), randomBytes(32));
    const nonces = new Nonces();
    const sealed = Array.from({ length: 300 }, (_, i) => sealValue(key, `v${i}`, nonces.next()));
    expect(new Set(sealed.map((s) => s.iv)).size).to.equal(300);
    sealed.forEach((s, i) => expect(openValue(key, s)).to.equal(`v${i}`));
  });

  it('refuses a nonce of another length', () => {
    const key = dataKey(randomUUID(), randomUUID(), randomBytes(32));
    expect(() => sealValue(key, 'x', randomBytes(16))).to.throw(RangeError, /12 bytes/);
  });
});

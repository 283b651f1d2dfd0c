import { expect } from 'chai';
import { InvalidMetadataError, type EventMetadataOptions } from '../../src/domain';
import { buildSharedMetadata } from '../../src/domain/repository/event-metadata';

function metadataError(options: unknown): InvalidMetadataError {
  let caught: unknown;
  try {
    buildSharedMetadata(options as EventMetadataOptions);
  } catch (error) {
    caught = error;
  }
  expect(caught, 'buildSharedMetadata should throw').to.be.instanceOf(InvalidMetadataError);
  const error = caught as InvalidMetadataError;
  expect(error.code).to.equal('TESSERA_INVALID_METADATA');
  return error;
}

describe('buildSharedMetadata', () => {
  it('returns an empty object when nothing is given', () => {
    expect(buildSharedMetadata()).to.deep.equal({});
    expect(buildSharedMetadata({})).to.deep.equal({});
    expect(buildSharedMetadata({ headers: {} })).to.deep.equal({}, 'no empty headers object');
  });

  it('keeps correlationId and causationId and merges actor and tenant into the headers', () => {
    expect(
      buildSharedMetadata({
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actor: 'ada',
        tenant: 'acme',
        headers: { 'trace.id': 't-1' },
      }),
    ).to.deep.equal({
      correlationId: 'corr-1',
      causationId: 'cause-1',
      headers: { 'trace.id': 't-1', actor: 'ada', tenant: 'acme' },
    });
  });

  it('creates the headers from actor alone', () => {
    expect(buildSharedMetadata({ actor: 'ada' })).to.deep.equal({ headers: { actor: 'ada' } });
  });

  it('lets the actor option win over a header of the same name', () => {
    expect(
      buildSharedMetadata({ actor: 'option', headers: { actor: 'header' } }).headers,
    ).to.deep.equal({
      actor: 'option',
    });
  });

  it('does not modify the options it is given', () => {
    const headers = { a: '1' };
    buildSharedMetadata({ actor: 'ada', headers });
    expect(headers).to.deep.equal({ a: '1' });
  });

  it('accepts unicode keys and values with quotes, backslashes and emoji', () => {
    const headers = { 'schlüssel:ü_1-x': 'x;\'"—ü \\ 🌍', 日本: '値' };
    expect(buildSharedMetadata({ headers }).headers).to.deep.equal(headers);
  });

  it('accepts a value of exactly 4096 characters and a key of exactly 128', () => {
    const key = 'k'.repeat(128);
    expect(
      buildSharedMetadata({ headers: { [key]: 'v'.repeat(4096) } }).headers?.[key],
    ).to.have.length(4096);
  });

  describe('rejects with InvalidMetadataError', () => {
    for (const [field, value] of [
      ['correlationId', 42],
      ['causationId', { id: 'x' }],
      ['actor', null],
      ['tenant', true],
    ] as const) {
      it(`a non-string ${field} (${JSON.stringify(value)})`, () => {
        const error = metadataError({ [field]: value });
        expect(error.field).to.equal(field);
        expect(error.reason).to.match(/must be a string/);
      });
    }

    it('a non-string header value, naming the header', () => {
      const error = metadataError({ headers: { tenant: 42 } });
      expect(error.field).to.equal('headers.tenant');
    });

    for (const headers of [null, 'a=b', ['a']]) {
      it(`headers that are not an object (${JSON.stringify(headers)})`, () => {
        expect(metadataError({ headers }).field).to.equal('headers');
      });
    }

    for (const options of [null, 'actor', 7]) {
      it(`options that are not an object (${JSON.stringify(options)})`, () => {
        expect(metadataError(options).field).to.equal('options');
      });
    }

    for (const key of ['', 'has space', 'semi;colon', 'quote"', 'k'.repeat(129), 'new\nline']) {
      it(`the bad header key ${JSON.stringify(key.length > 20 ? `${key.slice(0, 5)}… (${key.length})` : key)}`, () => {
        const error = metadataError({ headers: { [key]: 'v' } });
        expect(error.field).to.equal(`headers[${JSON.stringify(key)}]`);
      });
    }

    it('a value over 4096 characters', () => {
      const error = metadataError({ correlationId: 'x'.repeat(4097) });
      expect(error.field).to.equal('correlationId');
      expect(error.reason).to.match(/4097 characters, over the limit of 4096/);
      expect(metadataError({ headers: { a: 'x'.repeat(5000) } }).field).to.equal('headers.a');
    });

    it('a value with a NUL character', () => {
      expect(metadataError({ actor: 'a\u0000b' }).reason).to.match(/NUL/);
    });
  });

  it('keeps a header named "__proto__" instead of dropping it silently', () => {
    // HEADER_KEY accepts "__proto__"; `headers[key] = value` on a plain object then sets the
    // prototype (a no-op for a string) and the header vanishes without an error.
    const headers = JSON.parse('{"__proto__":"v","ok":"1"}') as Record<string, string>;
    let result: ReturnType<typeof buildSharedMetadata> | undefined;
    try {
      result = buildSharedMetadata({ headers });
    } catch (error) {
      expect(error).to.be.instanceOf(InvalidMetadataError);
      return;
    }
    expect(Object.keys(result.headers ?? {})).to.have.members(['__proto__', 'ok']);
  });
});

import { describe, expect, it } from 'vitest';
import { PayloadDecodeError, PayloadEncodeError } from '../../src/errors.ts';
import { CodecRegistry, defineCodec } from '../../src/job/codec.ts';

class Money {
  readonly cents: bigint;
  readonly currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}

const money = defineCodec<Money>({
  tag: 'Money',
  test: (v): v is Money => v instanceof Money,
  encode: (m) => ({ cents: m.cents.toString(), currency: m.currency }),
  decode: (json) => {
    const { cents, currency } = json as { cents: string; currency: string };
    return new Money(BigInt(cents), currency);
  },
});

describe('CodecRegistry', () => {
  const codecs = new CodecRegistry([money]);
  const roundTrip = (value: unknown) => codecs.parse(codecs.stringify(value));

  it('round-trips types JSON cannot hold', () => {
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      big: 12345678901234567890n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Date(0)],
      ]),
      set: new Set(['x', 'y']),
      buffer: Buffer.from('héllo'),
      bytes: new Uint8Array([1, 2, 255]),
      inf: Number.POSITIVE_INFINITY,
      nan: Number.NaN,
      nested: [{ deep: new Set([1n]) }],
      price: new Money(1999n, 'EUR'),
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(back.at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.price).toBeInstanceOf(Money);
  });

  it('keeps plain objects that happen to use the tag key', () => {
    const value = { $t: 'Date', v: 'not a date' };
    expect(roundTrip(value)).toEqual(value);
  });

  it('rejects prototype-polluting keys on both sides', () => {
    const hostile = JSON.parse('{"a":{"__proto__":{"polluted":true}}}');
    expect(() => codecs.stringify(hostile)).toThrow(PayloadEncodeError);
    expect(() => codecs.parse('{"a":{"__proto__":{"polluted":true}}}')).toThrow(PayloadDecodeError);
    expect(() => codecs.parse('{"constructor":{"prototype":{}}}')).toThrow(PayloadDecodeError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects those keys and reads tags however their JSON spells them (\\u escapes)', () => {
    expect(() => codecs.parse('{"\\u005f_proto__":{"polluted":true}}')).toThrow(PayloadDecodeError);
    expect(() => codecs.parse('[{"c\\u006fnstructor":1}]')).toThrow(PayloadDecodeError);
    expect(codecs.parse('{"at":{"\\u0024t":"Date","v":"2026-01-02T00:00:00.000Z"}}')).toEqual({
      at: new Date('2026-01-02T00:00:00.000Z'),
    });
  });

  it('reads plain JSON as JSON.parse does', () => {
    for (const text of ['{"n":1,"s":"x","a":[1,{"b":null}],"t":true}', '[]', '"text"', '12', 'null']) {
      expect(codecs.parse(text)).toEqual(JSON.parse(text));
    }
  });

  it('refuses values it cannot encode, naming where they are', () => {
    expect(() => codecs.stringify({ cb: () => 1 })).toThrow(/function at args\.cb/);
    expect(() => codecs.stringify({ u: new URL('https://example.com') })).toThrow(/URL at args\.u/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => codecs.stringify(circular)).toThrow(/Circular/);
  });

  it('fails decoding with a typed error on bad JSON and unknown tags', () => {
    expect(() => codecs.parse('{not json')).toThrow(PayloadDecodeError);
    expect(() => codecs.parse('{"$t":"Nope","v":1}')).toThrow(/Unknown codec tag/);
    expect(() => new CodecRegistry().parse('{"$t":"Money","v":{}}')).toThrow(PayloadDecodeError);
  });

  it('refuses duplicate or reserved codec tags', () => {
    expect(() => new CodecRegistry([money, money])).toThrow(/already registered/);
    expect(() => new CodecRegistry([{ ...money, tag: '$x' }])).toThrow(/reserved/);
  });
});

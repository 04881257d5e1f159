import { describe, expect, it } from 'vitest';
import { compileFilterPattern, createArgumentFilter, FILTERED } from '../../src/util/filter.ts';

describe('argument filter', () => {
  const filter = createArgumentFilter();

  it('replaces secrets at any depth and keeps everything else', () => {
    const args = {
      user: 'amuro',
      password: 'hunter2',
      apiToken: 'abc',
      nested: { deep: [{ secret: 's', keep: 1 }], Authorization: 'Bearer x' },
    };
    expect(filter(args)).toEqual({
      user: 'amuro',
      password: FILTERED,
      apiToken: FILTERED,
      nested: { deep: [{ secret: FILTERED, keep: 1 }], Authorization: FILTERED },
    });
    expect(args.password).toBe('hunter2');
  });

  it('filters a whole object under a secret key, and leaves scalars and arrays of scalars alone', () => {
    expect(filter({ credentials: { password: 'x' }, cookie: { a: 1 } })).toEqual({
      credentials: { password: FILTERED },
      cookie: FILTERED,
    });
    expect(filter([1, 'password', null])).toEqual([1, 'password', null]);
  });

  it('takes fragments and /regular expressions/ as patterns', () => {
    expect(compileFilterPattern('card.number').test('CARD.NUMBER')).toBe(true);
    expect(compileFilterPattern('card.number').test('cardXnumber')).toBe(false);
    const custom = createArgumentFilter(['/^ssn$/i']);
    expect(custom({ ssn: '123', ssn_hint: 'last 4' })).toEqual({ ssn: FILTERED, ssn_hint: 'last 4' });
    expect(createArgumentFilter([])({ password: 'x' })).toEqual({ password: 'x' });
  });
});

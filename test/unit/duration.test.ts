import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.ts';
import { secondsOrDurationToMs, toMs } from '../../src/util/duration.ts';

describe('toMs', () => {
  it.each([
    [250, 250],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    [' 2 m ', 120_000],
  ])('reads %j as %d ms', (input, expected) => {
    expect(toMs(input)).toBe(expected);
  });

  it.each(['', 'soon', '5 minutes', '5x', '-1s', 'm5'])('rejects %j with a typed error', (input) => {
    expect(() => toMs(input, 'wait')).toThrow(InvalidInputError);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => toMs(-1)).toThrow(/non-negative/);
    expect(() => toMs(Number.NaN)).toThrow(InvalidInputError);
  });

  it('reads YAML numbers as seconds', () => {
    expect(secondsOrDurationToMs(0.1, 'polling_interval')).toBe(100);
    expect(secondsOrDurationToMs('250ms', 'polling_interval')).toBe(250);
  });
});

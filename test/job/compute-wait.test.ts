import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError } from '../../src/index.ts';
// computeWait is internal; the runtime tests (retry.test.ts) cover it through the public API.
import { computeWait } from '../../src/job/retry.ts';

const error = new Error('boom');

describe('computeWait', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads fixed waits as milliseconds or text', () => {
    expect(computeWait(250, 1, error, 0)).toBe(250);
    expect(computeWait('3s', 4, error, 0)).toBe(3000);
    expect(computeWait('1m30s', 1, error, 0)).toBe(90_000);
  });

  it('grows polynomially: (executions^4 + 2) seconds', () => {
    expect([1, 2, 3, 5].map((n) => computeWait('polynomial', n, error, 0))).toEqual([
      3000, 18_000, 83_000, 627_000,
    ]);
  });

  it('grows exponentially: 2^(executions-1) seconds', () => {
    expect([1, 2, 3, 10].map((n) => computeWait('exponential', n, error, 0))).toEqual([
      1000, 2000, 4000, 512_000,
    ]);
  });

  it('never waits longer than 30 days, however many executions', () => {
    const thirtyDays = 30 * 86_400_000;
    expect(computeWait('exponential', 500, error, 0)).toBe(thirtyDays);
    expect(computeWait('polynomial', 1000, error, 1)).toBe(thirtyDays);
  });

  it('passes the execution number and the error to a function, which may return text', () => {
    const wait = vi.fn((execution: number, cause: unknown) =>
      cause instanceof TypeError ? '1h' : execution * 100,
    );
    expect(computeWait(wait, 3, error, 0)).toBe(300);
    expect(computeWait(wait, 3, new TypeError('t'), 0)).toBe(3_600_000);
    expect(wait).toHaveBeenCalledWith(3, error);
  });

  it('refuses a function that returns a negative or unreadable wait', () => {
    expect(() => computeWait(() => -1, 1, error, 0)).toThrow(InvalidInputError);
    expect(() => computeWait(() => 'later', 1, error, 0)).toThrow(InvalidInputError);
  });

  it('adds jitter between 0 and `jitter` times the base wait', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(computeWait('10s', 1, error, 0.15)).toBe(10_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    expect(computeWait('10s', 1, error, 0.15)).toBe(11_500);
    expect(computeWait('exponential', 3, error, 0.5)).toBe(6000);
  });

  it('stays within the jitter bounds with real randomness', () => {
    for (let i = 0; i < 200; i++) {
      const wait = computeWait('polynomial', 2, error, 0.2);
      expect(wait).toBeGreaterThanOrEqual(18_000);
      expect(wait).toBeLessThanOrEqual(21_600);
    }
  });
});

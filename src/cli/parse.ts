import { InvalidArgumentError } from 'commander';
import { InvalidInputError } from '../errors.ts';

export function parseJsonArgument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `${what} must be JSON (got ${JSON.stringify(text)}): ${(error as Error).message}`,
    );
  }
}

/** A commander option parser for integers. */
export function parseInteger(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number`);
    return Number(value);
  };
}

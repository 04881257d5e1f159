#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ShigotoError } from '../errors.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { buildProgram } from './program.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const json = process.argv.includes('--json');

try {
  await buildProgram(version, { json }).parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
  if (error instanceof CommanderError) {
    // Commander printed usage errors itself, except with --json, where they are a JSON document too.
    if (json && process.exitCode !== EXIT.ok) printJsonError('USAGE', usageMessage(error));
  } else if (json) {
    printJsonError(
      error instanceof ShigotoError ? error.code : 'ERROR',
      (error as Error)?.message ?? String(error),
    );
  } else {
    const text = error instanceof ShigotoError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`shigoto: ${text}\n`);
  }
}

function printJsonError(code: string, message: string): void {
  process.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
}

function usageMessage(error: CommanderError): string {
  // A command group run without its subcommand prints its help, with no message of its own.
  if (error.code === 'commander.help') return 'a command is missing (its help is printed on stderr)';
  return error.message.replace(/^error: /, '');
}

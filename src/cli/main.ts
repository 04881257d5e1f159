#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { ShigotoError } from '../errors.ts';
import { exitCodeFor } from './exit-codes.ts';
import { buildProgram } from './program.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const json = process.argv.includes('--json');

try {
  await buildProgram(version).parseAsync(process.argv);
} catch (error) {
  const code = exitCodeFor(error);
  if (!(error instanceof CommanderError)) {
    // commander already printed its own usage errors
    if (json) {
      const kind = error instanceof ShigotoError ? error.code : 'ERROR';
      process.stdout.write(
        `${JSON.stringify({ error: { code: kind, message: (error as Error).message } }, null, 2)}\n`,
      );
    } else {
      process.stderr.write(
        `shigoto: ${error instanceof ShigotoError ? error.message : ((error as Error)?.stack ?? String(error))}\n`,
      );
    }
  }
  process.exitCode = code;
}

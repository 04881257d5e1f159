import { InvalidInputError } from '../errors.ts';
import { defineJob, type JobContext, type JobDefinition } from '../job/define.ts';
import { isCommandName } from './task-schema.ts';

/** The built-in job a `command:` task enqueues; a worker runs it by calling the named function. */
export const COMMAND_JOB = 'shigoto.recurring_command';

export interface CommandArgs {
  /** "clearDeletedStuff" or "maintenance.clearDeletedStuff": exports of the app module. */
  readonly command: string;
}

type Command = (ctx: JobContext) => unknown;

/**
 * The function a command name reaches through the module's own exported properties (never
 * inherited ones), with the object it was found on (its `this`), or null when there is none.
 */
export function resolveCommand(
  exports: object,
  name: string,
): { readonly fn: Command; readonly owner: object | undefined } | null {
  if (!isCommandName(name)) return null;
  let owner: object | undefined;
  let value: unknown = exports;
  for (const part of name.split('.')) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return null;
    if (!Object.hasOwn(value, part)) return null;
    owner = value === exports ? undefined : value;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'function' ? { fn: value as Command, owner } : null;
}

/**
 * The job that runs commands: it calls the function with the job's context (its abort signal
 * and logger), like a method when the name is dotted. What the function returns is not kept.
 */
export function commandJob(exports: object): JobDefinition<CommandArgs, void> {
  return defineJob<CommandArgs, void>({
    name: COMMAND_JOB,
    schema: { parse: parseCommandArgs },
    perform: async ({ command }, ctx) => {
      const found = resolveCommand(exports, command);
      if (!found) {
        throw new InvalidInputError(
          `The app module exports no function "${command}" (the command of a recurring task)`,
        );
      }
      await found.fn.call(found.owner, ctx);
    },
  });
}

function parseCommandArgs(input: unknown): CommandArgs {
  const command = (input as { command?: unknown } | null)?.command;
  if (typeof command !== 'string' || !isCommandName(command)) {
    throw new InvalidInputError(
      `expected { command: "name" } naming an exported function, got ${JSON.stringify(input)}`,
    );
  }
  return { command };
}

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ShigotoError } from '../errors.ts';

export class AlreadyRunningError extends ShigotoError {
  constructor(pid: number, path: string) {
    super(
      'ALREADY_RUNNING',
      `Shigoto is already running with pid ${pid} (pidfile ${path}). Stop it first, or use another pidfile.`,
    );
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes our pid; refuses if the file names a live process (a stale file is replaced). */
export function writePidfile(path: string): void {
  let existing: number | undefined;
  try {
    existing = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    existing = undefined;
  }
  if (existing && existing !== process.pid && isAlive(existing))
    throw new AlreadyRunningError(existing, path);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${process.pid}\n`);
}

export function removePidfile(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) rmSync(path);
  } catch {
    // already gone
  }
}

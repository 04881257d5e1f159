import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderBar } from '../../src/cli/progress.ts';
import { useCli } from './cli-harness.ts';

describe('renderBar', () => {
  it('draws the share done, the counts and the percentage', () => {
    expect(renderBar('Retrying', 0, 10, 80)).toBe(`Retrying [${'-'.repeat(40)}]  0/10  0%`);
    expect(renderBar('Retrying', 5, 10, 80)).toBe(`Retrying [${'#'.repeat(20)}${'-'.repeat(20)}]  5/10  50%`);
    expect(renderBar('Retrying', 10, 10, 80)).toBe(`Retrying [${'#'.repeat(40)}]  10/10  100%`);
  });

  it('fits a narrow terminal, down to a bar of 10', () => {
    const line = renderBar('Discarding', 1, 4, 40);
    expect(line).toBe(`Discarding [${'#'.repeat(4)}${'-'.repeat(12)}]  1/4  25%`);
    expect(line.length).toBeLessThan(40); // the last column would wrap on some terminals
    expect(renderBar('Discarding', 1, 4, 20)).toBe('Discarding [###-------]  1/4  25%');
  });
});

/** `script` (util-linux) gives the CLI a terminal, as a person at a shell would. */
const hasScript = spawnSync('script', ['--version']).status === 0;
const MAIN = join(resolve(import.meta.dirname, '../..'), 'src/cli/main.ts');

describe.skipIf(!hasScript)('the progress bar on a terminal', () => {
  const cli = useCli();

  const onTerminal = (args: string) =>
    spawnSync(
      'script',
      ['-qec', `${process.execPath} --conditions=shigoto-source ${MAIN} ${args}`, '/dev/null'],
      {
        cwd: cli.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, COLUMNS: '80' },
      },
    );

  it('is drawn while --all-failed runs, then erased before the result', async () => {
    await cli.failedJobs(3);
    const { status, stdout } = onTerminal('jobs retry --all-failed');
    expect(status).toBe(0);
    expect(stdout).toContain('\rRetrying [');
    expect(stdout).toContain('  3/3  100%');
    expect(stdout).toContain('\r\u001b[2KRetried 3 failed jobs.');
  });

  it('is not drawn with --json', async () => {
    await cli.failedJobs(2);
    const { status, stdout } = onTerminal('jobs discard --all-failed --json');
    expect(status).toBe(0);
    expect(stdout).not.toContain('Discarding [');
    expect(JSON.parse(stdout)).toEqual({ discarded: 2 });
  });
});

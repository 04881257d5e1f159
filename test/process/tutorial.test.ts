import { type ChildProcess, spawn } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli-harness.ts';
import { waitFor } from '../support/shigoto-harness.ts';
import { type TempDir, tempDir } from '../support/temp-dir.ts';

const REPO = resolve(import.meta.dirname, '../..');
const TUTORIAL = join(REPO, 'examples/tutorial');

/** `shigoto start` in `cwd`, its output (stdout and stderr) collected. */
function startService(cwd: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(
    process.execPath,
    ['--conditions=shigoto-source', join(REPO, 'src/cli/main.ts'), 'start'],
    {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, output: () => output };
}

describe('the topics tutorial (examples/tutorial), through the CLI', () => {
  let dir: TempDir | undefined;
  let service: ChildProcess | undefined;
  afterEach(async () => {
    if (service && service.exitCode === null) {
      const exited = new Promise((done) => service!.once('exit', done));
      service.kill('SIGTERM');
      await exited;
    }
    await dir?.remove();
  });

  it('prints "Hello, amuro" and "Bye, amuro" for tasks on hello and world', { timeout: 60_000 }, async () => {
    // A copy, so the tutorial's database and pidfile are the test's own.
    dir = await tempDir('shigoto-tutorial-');
    await cp(TUTORIAL, dir.path, { recursive: true });
    const started = startService(dir.path);
    service = started.child;
    const log = started.output;
    await waitFor(
      () => log().includes('Worker started'),
      () => `the service to start:\n${log()}`,
      30_000,
    );
    expect(log()).toContain(`jobs=example jobsFile=${join(dir.path, 'config/jobs.yml')}`);

    const hello = await runCli(['task', 'hello', '{"name":"amuro"}'], dir.path);
    expect(hello.stdout).toMatch(/^Published task [0-9a-f]{32} to hello: example\n$/);
    await waitFor(
      () => log().includes('Hello, amuro'),
      () => `Hello, amuro in:\n${log()}`,
    );
    const world = await runCli(['task', 'world', '{"name":"amuro"}', '--wait', '--json'], dir.path);
    expect(world.code, world.stderr).toBe(0);
    expect(JSON.parse(world.stdout).executions).toMatchObject([{ name: 'example', status: 'finished' }]);
    expect(log()).toMatch(/Hello, amuro[^\n]*job=example[\s\S]*Bye, amuro[^\n]*job=example/);
    // A topic nobody subscribes to is an error the caller sees.
    const nobody = await runCli(['task', 'goodbye', '{}'], dir.path);
    expect(nobody.code).toBe(2);
  });
});

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.ts';
import { adminPool, closeAdminPool } from '../support/postgres.ts';
import { POSTGRES, serviceAvailable } from '../support/services.ts';
import { useCli } from './cli-harness.ts';

const cli = useCli();

const COMMANDS = ['start', 'enqueue', 'jobs', 'queues', 'recurring', 'migrate', 'status'];

describe('shigoto --help and usage errors', () => {
  it('--help lists every command and exits 0', async () => {
    const { code, stdout } = await cli.run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: shigoto \[options\] \[command\]/);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`\\n {2}${command}\\b`));
    expect(stdout).toContain('-c, --config <file>');
    expect(stdout).toContain('--json');
  });

  it.each([
    ['jobs', ['list', 'show', 'retry', 'discard', 'reenter', 'remove']],
    ['queues', ['list', 'pause', 'resume']],
    ['recurring', ['list', 'run']],
  ])('%s --help lists its subcommands', async (group, subcommands) => {
    const { code, stdout } = await cli.run([group, '--help']);
    expect(code).toBe(0);
    for (const sub of subcommands) expect(stdout).toMatch(new RegExp(`\\n {2}${sub}\\b`));
  });

  it('--version prints the version', async () => {
    expect(await cli.run(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('an unknown command exits 2 with the usage', async () => {
    const result = await cli.run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: unknown command 'frobnicate'\n/);
    expect(result.stderr).toContain('Usage: shigoto [options] [command]');
  });

  it('an unknown subcommand or option exits 2', async () => {
    expect((await cli.run(['jobs', 'frob'])).stderr).toMatch(/^error: unknown command 'frob'/);
    const option = await cli.run(['queues', 'list', '--all']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: unknown option '--all'/);
  });

  it('a command group without its subcommand prints its help and exits 2', async () => {
    const result = await cli.run(['jobs']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: shigoto jobs [options] [command]');
  });

  it('with --json, usage errors are a JSON document on stdout', async () => {
    const result = await cli.run(['frobnicate', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'USAGE', message: "unknown command 'frobnicate'" },
    });
    const missing = await cli.run(['queues', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe('USAGE');
  });
});

describe('invalid configuration: exit 4 with the message, nothing opened', () => {
  it('an invalid key in config/shigoto.yml', async () => {
    await writeFile(join(cli.dir, 'config/shigoto.yml'), 'workers:\n  - threads: 0\n    queuez: [a]\n');
    const result = await cli.run(['queues', 'list']);
    expect(result).toEqual({
      code: 4,
      stdout: '',
      stderr:
        `shigoto: Invalid configuration in ${join(cli.dir, 'config/shigoto.yml')}:\n` +
        '  - workers[0].threads: got 0; expected a whole number >= 1\n' +
        '  - workers[0]: unknown key "queuez" (did you mean "queues"?); allowed keys: queues, threads, processes, polling_interval, bulk_read_size\n',
    });
    expect(existsSync(join(cli.dir, 'storage'))).toBe(false);
  });

  it('as JSON with --json', async () => {
    await writeFile(join(cli.dir, 'config/shigoto.yml'), 'log_level: loud\n');
    const result = await cli.run(['status', '--json']);
    expect(result.code).toBe(4);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        code: 'INVALID_CONFIG',
        message: `Invalid configuration in ${join(cli.dir, 'config/shigoto.yml')}:\n  - log_level: got "loud"; expected one of "debug", "info", "warn", "error", "silent"`,
      },
    });
  });

  it('-c naming a file that does not exist', async () => {
    const result = await cli.run(['-c', 'nope.yml', 'status']);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe(
      `shigoto: Invalid configuration in ${join(cli.dir, 'nope.yml')}:\n` +
        `  - the file does not exist (named by -c; relative to ${cli.dir})\n`,
    );
  });

  it('a bad value from the environment names the variable', async () => {
    const result = await cli.run(['status'], { SHIGOTO_SHUTDOWN_TIMEOUT: 'forever' });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(
      '  - shutdown_timeout (from SHIGOTO_SHUTDOWN_TIMEOUT): got "forever"; expected seconds (a number >= 0)',
    );
  });

  it('an app module with a syntax error: where it is', async () => {
    const app = join(cli.dir, 'app.ts');
    await writeFile(app, 'export default {\n  jobs: [,\n');
    await writeFile(join(cli.dir, 'config/shigoto.yml'), `app: app.ts\n`);
    const result = await cli.run(['enqueue', 'Greet']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      new RegExp(
        `^shigoto: Invalid configuration in the app module ${app}:\\n {2}- importing it failed with SyntaxError: .+ \\(at ${app}:\\d+\\)\\n$`,
      ),
    );
  });
});

describe('configuration sources', () => {
  it('-c and SHIGOTO_CONFIG choose the file; SHIGOTO_DATABASE_URL the database', async () => {
    await writeFile(join(cli.dir, 'other.yml'), 'backend: {adapter: sqlite, path: other.db}\n');
    expect((await cli.run(['-c', 'other.yml', 'migrate'])).stdout).toBe(
      `Migrated sqlite at ${join(cli.dir, 'other.db')}.\n`,
    );
    const fromEnv = await cli.run(['migrate'], {
      SHIGOTO_CONFIG: 'other.yml',
      SHIGOTO_DATABASE_URL: 'sqlite:env.db',
    });
    expect(fromEnv.stdout).toBe(`Migrated sqlite at ${join(cli.dir, 'env.db')}.\n`);
  });

  it('works with no configuration file at all', async () => {
    const result = await cli.run(['-c', '/dev/null', 'status', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).backend.path).toBe(join(cli.dir, 'storage/shigoto.db'));
  });
});

describe.skipIf(!(await serviceAvailable(POSTGRES)))('a database the CLI cannot use', () => {
  afterAll(closeAdminPool);

  it('exits 5 with one line naming it: a server not listening, a database or a role it refuses', async () => {
    const cases = [
      [`postgres://postgres@127.0.0.1:${await freePort()}/test`, 'is unavailable: connect ECONNREFUSED'],
      ['postgres://postgres@127.0.0.1:5432/shigoto_no_such_database', 'refused the connection: database'],
      ['postgres://shigoto_no_such_role@127.0.0.1:5432/test', 'refused the connection: role'],
      [
        'postgres://postgres@127.0.0.1:5432/test?ssl=true',
        'refused the connection: The server does not support SSL connections',
      ],
    ] as const;
    for (const [url, reason] of cases) {
      const target = url.replace(/^postgres:\/\/[^@]+@/, '').replace(/\?.*/, '');
      const result = await cli.run(['queues', 'list'], { SHIGOTO_DATABASE_URL: url });
      expect(result.code, url).toBe(5);
      expect(result.stderr, url).toMatch(
        new RegExp(`^shigoto: PostgreSQL at ${target} ${reason}[^\\n]*\\n$`),
      );
      const json = await cli.run(['queues', 'list', '--json'], { SHIGOTO_DATABASE_URL: url });
      expect(json.code, url).toBe(5);
      expect(JSON.parse(json.stdout).error.code, url).toBe('BACKEND_UNAVAILABLE');
    }
  });

  it('exits 4 with one line when the role may not create the schema', async () => {
    const role = `shigoto_cli_limited_${process.pid}_${Date.now()}`;
    await adminPool().query(`CREATE ROLE ${role} LOGIN`);
    try {
      const env = { SHIGOTO_DATABASE_URL: `postgres://${role}@127.0.0.1:5432/test` };
      const result = await cli.run(['migrate'], env);
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(
        /^shigoto: PostgreSQL at 127\.0\.0\.1:5432\/test refused: permission denied for database test \([^\n]+\)\n$/,
      );
      const json = await cli.run(['migrate', '--json'], env);
      expect(JSON.parse(json.stdout).error.code).toBe('PERMISSION_DENIED');
    } finally {
      await adminPool().query(`DROP ROLE ${role}`);
    }
  });
});

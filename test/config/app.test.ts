import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApp } from '../../src/config/app.ts';
import { rejectsWithConfigError, useConfigDir } from './helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const dir = useConfigDir();

/** The one problem loadApp reports for a module with `source`. */
async function problem(source: string): Promise<string> {
  const path = await dir.write('app.ts', source);
  const error = await rejectsWithConfigError(loadApp(path));
  expect(error.message).toContain(`Invalid configuration in the app module ${path}:`);
  expect(error.issues).toHaveLength(1);
  return error.issues[0]!;
}

describe('loadApp', () => {
  it('gives an empty app when no module is configured', async () => {
    expect(await loadApp(null)).toEqual({});
  });

  it('loads the jobs of an app module', async () => {
    const app = await loadApp(join(REPO, 'test/fixtures/cli-app.ts'));
    expect(app.jobs?.map((job) => job.name)).toEqual(['Greet', 'Crash']);
  });

  it('loads the example app', async () => {
    const app = await loadApp(join(REPO, 'examples/app.ts'));
    expect(app.jobs?.map((job) => job.name).sort()).toEqual([
      'ChargeOrder',
      'GenerateReport',
      'SendWelcomeEmail',
      'SyncInventory',
    ]);
    expect(app.hooks?.onStart).toBeTypeOf('function');
  });

  it('accepts a named export `app`', async () => {
    const path = await dir.write('named.ts', 'export const app = { jobs: [] };\n');
    expect(await loadApp(path)).toEqual({ jobs: [] });
  });
});

describe('loadApp errors', () => {
  it('a module that does not exist', async () => {
    const path = join(dir.path, 'missing.ts');
    const error = await rejectsWithConfigError(loadApp(path));
    expect(error.message).toBe(
      `Invalid configuration in the app module ${path}:\n` +
        '  - the file does not exist (app: is relative to the directory shigoto runs in)',
    );
  });

  it('a module that throws on import: its error and where', async () => {
    const line = await problem(
      'const ready = false;\nif (!ready) throw new TypeError("database URL missing");\n',
    );
    expect(line).toMatch(/^importing it failed with TypeError: database URL missing \(at .*app\.ts:2:\d+\)$/);
  });

  it('a module with a syntax error', async () => {
    // Under vitest, vite's transform reports it; test/cli/ sees Node's own SyntaxError.
    expect(await problem('export default {\n  jobs: [,\n')).toMatch(/^importing it failed with \w*Error: /);
  });

  it('a module importing something missing', async () => {
    expect(await problem('import { x } from "./nowhere.ts";\nexport default { jobs: [x] };\n')).toMatch(
      /^importing it failed with Error: Cannot find module .*nowhere\.ts/,
    );
  });

  it.each([
    ['export const jobs = [];\n', 'missing'],
    ['export default 42;\n', '42'],
    ['export default function setup() {}\n', 'a function (setup)'],
    ['export default [];\n', 'a list'],
    [
      'export default { kind: "shigoto.job", name: "Mail" };\n',
      'the job "Mail" (list it in defineApp({ jobs: [...] }))',
    ],
  ])('a default export that is not an app: %s', async (source, shown) => {
    expect(await problem(source)).toBe(
      'it must export default defineApp({ jobs: [...] }) (or export const app = defineApp(...)); ' +
        `its default export is ${shown}`,
    );
  });

  it('an app with a misspelled key', async () => {
    expect(await problem('export default { job: [] };\n')).toBe(
      'defineApp got unknown key "job"; allowed: jobs, middleware, codecs, hooks',
    );
  });

  it('jobs that are not a list', async () => {
    expect(await problem('export default { jobs: {} };\n')).toBe(
      'jobs must be a list of jobs made by defineJob(); got an object',
    );
  });

  it('a job not made by defineJob, with its index', async () => {
    const path = await dir.write(
      'app.ts',
      `import { defineJob } from ${JSON.stringify(join(REPO, 'src/index.ts'))};\n` +
        'const ok = defineJob({ name: "Ok", perform: async () => {} });\n' +
        'export default { jobs: [ok, { name: "Fake", perform() {} }, "Mail"] };\n',
    );
    const error = await rejectsWithConfigError(loadApp(path));
    expect(error.issues).toEqual([
      'jobs[1] is not made by defineJob(); got an object',
      'jobs[2] is not made by defineJob(); got "Mail"',
    ]);
  });
});

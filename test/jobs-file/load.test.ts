import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createConsoleLogger, createShigoto, inlineBackend } from '../../src/index.ts';
import { loadServiceApp } from '../../src/jobs-file/app.ts';
import { jobsFilePath, loadJobsFile } from '../../src/jobs-file/load.ts';
import { type TempDir, tempDir } from '../support/temp-dir.ts';

const HANDLERS = fileURLToPath(new URL('../fixtures/topic-jobs.ts', import.meta.url));

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('shigoto-jobs-file-');
});
afterEach(() => dir.remove());

async function jobsFile(yaml: string): Promise<string> {
  const path = join(dir.path, 'jobs.yml');
  await writeFile(path, yaml);
  return path;
}

/** The problems a file's ConfigError lists (fails when it loads). */
async function problemsOf(path: string, allowScripts = false): Promise<readonly string[]> {
  const error = await loadJobsFile(path, { allowScripts, exports: {} }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(`Invalid configuration in ${path}`);
  return (error as ConfigError).issues;
}

/** Publishes a task to the loaded jobs on an inline backend and returns each execution's result. */
async function runTask(jobs: Awaited<ReturnType<typeof loadJobsFile>>, topic: string, content: unknown) {
  const shigoto = createShigoto({
    jobs,
    backend: inlineBackend(),
    logger: createConsoleLogger({ level: 'silent' }),
  });
  const runtime = await shigoto.work({ workers: [{ queues: ['*'], pollingIntervalMs: 10 }] });
  try {
    const outcome = await shigoto.waitFor(await shigoto.task(topic, content), { timeout: '10s' });
    return outcome.executions.map((e) => [e.name, e.status, e.result ?? e.error?.message]);
  } finally {
    await runtime.stop();
    await shigoto.close();
  }
}

describe('job definitions files', () => {
  it('loads module entries with their topics and options, and runs them for tasks', async () => {
    const path = await jobsFile(`
- name: greeter
  topics: [hello, world]
  module: ${JSON.stringify(HANDLERS)}
  export: greet
  queue: greetings
  priority: 5
  timeout: 30
- name: bouncer
  topics: [hello]
  module: ${JSON.stringify(HANDLERS)}
  export: refuse
`);
    const jobs = await loadJobsFile(path, { allowScripts: false, exports: {} });
    expect(jobs.map((j) => [j.name, j.topics, j.queue, j.priority, j.timeoutMs])).toEqual([
      ['greeter', ['hello', 'world'], 'greetings', 5, 30_000],
      ['bouncer', ['hello'], undefined, undefined, undefined],
    ]);
    expect(await runTask(jobs, 'hello', { name: 'amuro' })).toEqual([
      ['greeter', 'finished', 'Hello, amuro'],
      ['bouncer', 'failed', 'no entry for amuro'],
    ]);
    expect(await runTask(jobs, 'world', { name: 'amuro' })).toEqual([['greeter', 'finished', 'Bye, amuro']]);
  });

  it('runs an inline script with task, logger, ctx and app in scope once allowed', async () => {
    const path = await jobsFile(`
- name: example
  topics: [hello]
  script: |-
    logger.info('running');
    return \`\${app.greeting}, \${task.content.name} (\${task.topic}, \${task.id.length} \${ctx.name})\`;
`);
    const jobs = await loadJobsFile(path, { allowScripts: true, exports: { greeting: 'Hello' } });
    expect(await runTask(jobs, 'hello', { name: 'amuro' })).toEqual([
      ['example', 'finished', 'Hello, amuro (hello, 32 example)'],
    ]);
  });

  it('refuses inline scripts unless the operator allows them, saying why', async () => {
    const path = await jobsFile('- name: example\n  topics: [hello]\n  script: "return 1"\n');
    const [problem] = await problemsOf(path);
    expect(problem).toMatch(
      /^example \(entry 1\)\.script: inline scripts are off; .*not a sandbox.*allow_job_scripts: true/,
    );
  });

  it('reports every mistake with the file, the entry and the key', async () => {
    const path = await jobsFile(`
- name: bad name
  topics: hello
  module: x.ts
- name: both
  topics: [ok, "no space"]
  module: a.ts
  script: "1"
  colour: red
- name: neither
  topics: []
  export: greet
- name: slow
  topics: [t]
  module: ${JSON.stringify(HANDLERS)}
  timeout: soon
- just text
`);
    expect(await problemsOf(path, true)).toEqual([
      expect.stringMatching(/^entry 1\.name: got "bad name"; expected a job name/),
      expect.stringMatching(/^entry 1\.topics: got "hello"; expected a list of topic names/),
      expect.stringMatching(/^both \(entry 2\)\.topics\[1\]: got "no space"; expected a topic name/),
      expect.stringMatching(
        /^both \(entry 2\): unknown key "colour"; allowed keys: name, topics, module, export, script/,
      ),
      'both (entry 2): has both module: and script:; keep one',
      expect.stringMatching(/^neither \(entry 3\)\.topics: got \[\]; expected at least one topic/),
      'neither (entry 3): needs module: (a module path, with export:) or script: (inline JavaScript)',
      'neither (entry 3).export: only goes with module:',
      expect.stringMatching(/^slow \(entry 4\)\.timeout: got "soon"; expected seconds/),
      expect.stringMatching(/^entry 5: got "just text"; expected a mapping of job settings/),
    ]);
  });

  it('reports code that cannot be loaded: a missing module or export, a script that does not parse, a repeated name', async () => {
    const path = await jobsFile(`
- name: lost
  topics: [t]
  module: nowhere.ts
- name: wrong_export
  topics: [t]
  module: ${JSON.stringify(HANDLERS)}
  export: notAFunction
- name: broken
  topics: [t]
  script: "if (task) {"
- name: broken
  topics: [u]
  script: "return 1"
`);
    expect(await problemsOf(path, true)).toEqual([
      'broken (entry 4).name: another entry has this name',
      'lost (entry 1).module: nowhere.ts does not exist (relative to where shigoto runs)',
      `wrong_export (entry 2).export: ${HANDLERS} exports no function "notAFunction" (its functions: greet, refuse)`,
      expect.stringMatching(/^broken \(entry 3\)\.script: SyntaxError: /),
    ]);
  });

  it('refuses a file that is not a list; an empty file holds no jobs', async () => {
    expect(await problemsOf(await jobsFile('example:\n  topics: [hello]\n'))).toEqual([
      expect.stringMatching(/expected a list of jobs, each starting with "- name:"/),
    ]);
    expect(
      await loadJobsFile(await jobsFile('# nothing yet\n'), { allowScripts: false, exports: {} }),
    ).toEqual([]);
  });

  it('reads config/jobs.yml when it exists; a named file must exist', async () => {
    expect(jobsFilePath({ cwd: dir.path })).toBeNull();
    await mkdir(join(dir.path, 'config'));
    await writeFile(join(dir.path, 'config/jobs.yml'), '[]\n');
    expect(jobsFilePath({ cwd: dir.path })).toBe(join(dir.path, 'config/jobs.yml'));
    expect(() => jobsFilePath({ cwd: dir.path, path: 'other.yml', namedBy: 'the -j option' })).toThrow(
      /other\.yml:\n {2}- the file does not exist \(named by the -j option/,
    );
  });

  it("adds the file's jobs to the app, refusing a name the app uses", async () => {
    const app = join(dir.path, 'app.ts');
    await writeFile(
      app,
      `import { defineApp, defineJob } from 'shigoto';\nexport default defineApp({ jobs: [defineJob({ name: 'greeter', perform: () => {} })] });\n`,
    );
    const path = await jobsFile(
      `- name: greeter\n  topics: [hello]\n  module: ${JSON.stringify(HANDLERS)}\n  export: greet\n`,
    );
    const error = await loadServiceApp({ appPath: app, jobsFile: path, allowJobScripts: false }).catch(
      (e: unknown) => e,
    );
    expect((error as ConfigError).issues).toEqual([
      'greeter: the app module defines a job with this name too; rename one',
    ]);
    await writeFile(
      path,
      `- name: other\n  topics: [hello]\n  module: ${JSON.stringify(HANDLERS)}\n  export: greet\n`,
    );
    const loaded = await loadServiceApp({ appPath: app, jobsFile: path, allowJobScripts: false });
    expect(loaded.jobsFile).toBe(path);
    expect(loaded.app.jobs?.map((j) => j.name)).toEqual(['greeter', 'other']);
  });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { catchConfigError, useConfigDir } from './helpers.ts';

const dir = useConfigDir();

/** The one problem reported for `yaml`. */
async function problem(yaml: string): Promise<string> {
  const error = await dir.loadError(yaml);
  expect(error.issues).toHaveLength(1);
  return error.issues[0]!;
}

describe('an invalid configuration file', () => {
  it('raises a typed error naming the file', async () => {
    const error = await dir.loadError('threads: 3\n');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(/^Invalid configuration in .*shigoto\.yml:\n {2}- /);
  });

  it('reports every problem, one line each', async () => {
    const error = await dir.loadError('workers: [{threads: 0, processes: x}]\nlog_format: xml\n');
    expect(error.issues).toEqual([
      'workers[0].threads: got 0; expected a whole number >= 1',
      'workers[0].processes: got "x"; expected a whole number >= 1',
      'log_format: got "xml"; expected one of "text", "json"',
    ]);
  });
});

describe('filter_arguments', () => {
  it('names an invalid regular expression', async () => {
    expect(await problem('filter_arguments: [password, "/([a-/"]\n')).toBe(
      'filter_arguments[1]: got "/([a-/"; expected a key fragment or a valid /regular expression/',
    );
  });
});

describe('unknown keys', () => {
  it.each([
    [
      'wrkers: []\n',
      '(top level): unknown key "wrkers" (did you mean "workers"?); allowed keys: app, backend',
    ],
    [
      'workers: [{thread: 2}]\n',
      'workers[0]: unknown key "thread" (did you mean "threads"?); allowed keys: queues, threads, processes, polling_interval, bulk_read_size',
    ],
    [
      'dispatchers: [{}, {size: 1}]\n',
      'dispatchers[1]: unknown key "size"; allowed keys: polling_interval, batch_size, concurrency_maintenance_interval',
    ],
    [
      'backend: {adapter: sqlite, file: x.db}\n',
      'backend: unknown key "file"; allowed keys: adapter, path, synchronous, table_prefix',
    ],
  ])('%j names the key and the allowed keys', async (yaml, expected) => {
    expect(await problem(yaml)).toContain(expected);
  });

  it('lists several unknown keys of one mapping together', async () => {
    expect(await problem('foo: 1\nbar: 2\n')).toMatch(
      /^\(top level\): unknown keys "foo", "bar"; allowed keys: /,
    );
  });
});

describe('wrong types and values', () => {
  it.each([
    ['workers: [{threads: 2.5}]', 'workers[0].threads: got 2.5; expected a whole number >= 1'],
    ['workers: [{threads: "ten"}]', 'workers[0].threads: got "ten"; expected a whole number >= 1'],
    ['workers: [{bulk_read_size: -1}]', 'workers[0].bulk_read_size: got -1; expected a whole number >= 1'],
    [
      'workers: {threads: 1}',
      'workers: got {"threads":1}; expected a list of worker settings, each starting with "- "',
    ],
    ['workers: [5]', 'workers[0]: got 5; expected a mapping of worker settings (key: value lines)'],
    [
      'workers: [{polling_interval: 0}]',
      'workers[0].polling_interval: got 0; expected seconds (a number > 0) or a duration like "500ms", "30s", "5m", "1h"',
    ],
    ['dispatchers: [{batch_size: 0}]', 'dispatchers[0].batch_size: got 0; expected a whole number >= 1'],
    [
      'dispatchers: [{concurrency_maintenance_interval: soon}]',
      'dispatchers[0].concurrency_maintenance_interval: got "soon"; expected seconds (a number > 0)',
    ],
    [
      'shutdown_timeout: 5x',
      'shutdown_timeout: got "5x"; expected seconds (a number >= 0) or a duration like "500ms", "30s", "5m", "1h"',
    ],
    ['shutdown_timeout: -1', 'shutdown_timeout: got -1; expected seconds (a number >= 0)'],
    ['shutdown_timeout: true', 'shutdown_timeout: got true; expected seconds (a number >= 0)'],
    ['shutdown_timeout:', 'shutdown_timeout: got null (an empty value); expected seconds'],
    ['process_heartbeat_interval: 0', 'process_heartbeat_interval: got 0; expected seconds (a number > 0)'],
    ['preserve_finished_jobs: yes', 'preserve_finished_jobs: got "yes"; expected true or false'],
    ['max_payload_bytes: 1.5', 'max_payload_bytes: got 1.5; expected a whole number >= 1'],
    ['pidfile: true', 'pidfile: got true; expected a file path, or false for no pidfile'],
    ['log_level: loud', 'log_level: got "loud"; expected one of "debug", "info", "warn", "error", "silent"'],
    ['app: 5', 'app: got 5; expected the path of the app module'],
    ['app: ""', 'app: got ""; expected the path of the app module'],
    [
      'backend: sqlite',
      'backend: got "sqlite"; expected a mapping with adapter: sqlite or postgres and its settings',
    ],
    ['backend: {adapter: mysql}', 'backend.adapter: got "mysql"; expected one of "sqlite", "postgres"'],
    ['backend: {path: x.db}', 'backend.adapter: got nothing (the key is missing); expected one of "sqlite"'],
    [
      'backend: {adapter: sqlite, synchronous: off}',
      'backend.synchronous: got "off"; expected one of "normal", "full"',
    ],
    ['backend: {adapter: sqlite, path: ""}', 'backend.path: got ""; expected a file path, or ":memory:"'],
    [
      'backend: {adapter: sqlite, table_prefix: "My-"}',
      'backend.table_prefix: got "My-"; expected a lowercase letter, then up to 30 lowercase letters, digits and _',
    ],
  ])('%s', async (yaml, expected) => {
    expect(await problem(`${yaml}\n`)).toContain(expected);
  });

  it('shortens a long value', async () => {
    const line = await problem(`workers: {queues: "${'q'.repeat(200)}"}\n`);
    expect(line).toMatch(/^workers: got \{"queues":"q+\.\.\.; expected a list/);
    expect(line.length).toBeLessThan(200);
  });
});

describe('queue names and patterns in workers', () => {
  it.each([
    ['[critical, "a b"]', 'workers[0].queues[1]: got "a b"'],
    ['"critical, a b"', 'workers[0].queues[1]: got "a b"'],
    ['["a*b"]', 'workers[0].queues[0]: got "a*b"'],
    ['["**"]', 'workers[0].queues[0]: got "**"'],
    ['["x;drop"]', 'workers[0].queues[0]: got "x;drop"'],
    ['[1]', 'workers[0].queues[0]: got 1'],
    [`["${'q'.repeat(129)}"]`, 'workers[0].queues[0]: got "qqq'],
  ])('rejects queues: %s', async (queues, expected) => {
    const line = await problem(`workers: [{queues: ${queues}}]\n`);
    expect(line).toContain(expected);
    expect(line).toContain(
      '; expected a queue name (1-128 characters from A-Z a-z 0-9 _ . : -), "*" or "prefix*"',
    );
  });

  it('rejects an empty list and a non-list', async () => {
    expect(await problem('workers: [{queues: []}]\n')).toBe(
      'workers[0].queues: got []; expected at least one queue name, or "*" for every queue',
    );
    expect(await problem('workers: [{queues: " , "}]\n')).toContain('expected at least one queue name');
    expect(await problem('workers: [{queues: 5}]\n')).toBe(
      'workers[0].queues: got 5; expected a list of queue names, "*" or "prefix*" (or one comma-separated string)',
    );
  });

  it('accepts names with every allowed character and 128 of them', async () => {
    const long = 'q'.repeat(128);
    const config = await dir.load(`workers: [{queues: ["A-z_0.9:x", "pre.fix*", "${long}", "*"]}]\n`);
    expect(config.workers[0]!.queues).toEqual(['A-z_0.9:x', 'pre.fix*', long, '*']);
  });
});

describe('files that are not a configuration', () => {
  it('reports a YAML syntax error with its line and an excerpt', async () => {
    const line = await problem('workers:\n  - queues: [unclosed\nlog_level: info\n');
    expect(line).toMatch(/^not valid YAML: .+ at line \d+, column \d+\n {6}/);
    expect(line).toContain('queues: [unclosed');
  });

  it('reports duplicate keys', async () => {
    expect(await problem('log_level: info\nlog_level: debug\n')).toMatch(
      /^not valid YAML: Map keys must be unique/,
    );
  });

  it.each([
    ['- workers\n', 'a list'],
    ['just text\n', '"just text"'],
    ['42\n', '42'],
  ])('rejects a top level that is not a mapping: %j', async (yaml, shown) => {
    expect(await problem(yaml)).toBe(
      `the file holds ${shown}; expected a mapping of keys (like "workers:") at the top level`,
    );
  });

  it('reports a path that cannot be read as a file', async () => {
    await dir.write('folder.yml/inside', '');
    const error = catchConfigError(() => loadConfig({ path: 'folder.yml', cwd: dir.path, env: {} }));
    expect(error.issues).toEqual([expect.stringMatching(/^the file cannot be read: EISDIR/)]);
  });
});

describe('settings that contradict each other', () => {
  it('refuses an alive threshold not longer than the heartbeat interval', async () => {
    expect(await problem('process_heartbeat_interval: 60\nprocess_alive_threshold: 30\n')).toBe(
      'process_alive_threshold (30 s) must be longer than process_heartbeat_interval (60 s), or live ' +
        'processes are pruned and their running jobs run again; the defaults are 300 and 60 seconds',
    );
    // Against the default heartbeat interval too.
    expect(await problem('process_alive_threshold: 1m\n')).toContain('process_alive_threshold (60 s)');
  });
});

describe('serialized queue settings', () => {
  it.each([
    [
      'queues: {ledger: {on_error: stop}}\n',
      'queues.ledger.on_error: got "stop"; expected serialized: true next to it',
    ],
    ['queues: {ledger: {serialized: true, on_error: pause}}\n', 'queues.ledger.on_error: got "pause"'],
    [
      'queues: {ledger: {serialized: "yes"}}\n',
      'queues.ledger.serialized: got "yes"; expected true or false',
    ],
  ])('%j is refused', async (yaml, expected) => {
    expect(await problem(yaml)).toContain(expected);
  });
});

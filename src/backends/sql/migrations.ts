import { readdirSync, readFileSync } from 'node:fs';
import type { SqlExecutor } from './driver.ts';
import { num } from './rows.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Reads numbered migrations (`001_init.sql`, ...) from a folder and fills in `{{name}}`
 * placeholders: the configured table names, and whatever else the dialect names (a schema).
 */
export function loadMigrations(folder: URL, placeholders: Readonly<Record<string, string>>): Migration[] {
  const names = readdirSync(folder)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
  return names.map((file) => {
    const text = readFileSync(new URL(file, folder), 'utf8');
    const sql = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const name = placeholders[key];
      if (!name) throw new Error(`Migration ${file} names an unknown placeholder {{${key}}}`);
      return name;
    });
    return { version: Number(file.slice(0, 3)), name: file.slice(4, -4), sql };
  });
}

/** Splits a migration into statements (our migrations never put ";" inside literals). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

export function migrationsTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
}

/**
 * Applies the migrations not yet recorded in `table`, each followed by its record. Call it
 * inside a transaction that holds the database's migration lock, so concurrent starters
 * migrate once. `runScript` runs one migration's text (several statements).
 */
export async function applyMigrations(
  tx: SqlExecutor,
  migrations: readonly Migration[],
  table: string,
  runScript: (sql: string) => Promise<void>,
): Promise<void> {
  await tx.run(migrationsTableSql(table));
  const applied = new Set(
    (await tx.all<{ version: unknown }>(`SELECT version FROM ${table}`)).map((r) => num(r.version)),
  );
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await runScript(migration.sql);
    await tx.run(`INSERT INTO ${table} (version, name, applied_at) VALUES (?, ?, ?)`, [
      migration.version,
      migration.name,
      Date.now(),
    ]);
  }
}

/**
 * The SQL `applyMigrations` would run, as one script for teams who migrate by hand: every
 * migration with its record, inside one transaction opened by `begin` (which may also take
 * the database's migration lock). `nowMs` is the database's expression for the time in ms,
 * so the same configuration always prints the same script.
 */
export function migrationScript(
  migrations: readonly Migration[],
  table: string,
  begin: readonly string[],
  nowMs: string,
): string {
  const parts = [...begin, `${migrationsTableSql(table)};`];
  for (const m of migrations) {
    parts.push(
      `\n-- ${String(m.version).padStart(3, '0')}_${m.name}`,
      m.sql.trim(),
      `INSERT INTO ${table} (version, name, applied_at) VALUES (${m.version}, '${m.name}', ${nowMs});`,
    );
  }
  parts.push('COMMIT;');
  return `${parts.join('\n')}\n`;
}

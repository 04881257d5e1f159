import { readdirSync, readFileSync } from 'node:fs';
import type { Tables } from './dialect.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Reads numbered migrations (`001_init.sql`, ...) from a folder and fills in `{{table}}`
 * placeholders with the configured table names.
 */
export function loadMigrations(folder: URL, tables: Tables): Migration[] {
  const names = readdirSync(folder)
    .filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file))
    .sort();
  return names.map((file) => {
    const text = readFileSync(new URL(file, folder), 'utf8');
    const sql = text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const name = tables[key as keyof Tables];
      if (!name) throw new Error(`Migration ${file} names an unknown table {{${key}}}`);
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

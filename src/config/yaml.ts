import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';

/**
 * Reads a YAML file as plain data: the core schema without !!binary, !!set or other typed
 * values, so a configuration file can never build objects. Problems become a ConfigError
 * naming the file, with the line and an excerpt for a syntax error.
 */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`the file cannot be read: ${(error as Error).message}`]);
  }
  try {
    return parseYaml(text, { schema: 'core', resolveKnownTags: false, prettyErrors: true });
  } catch (error) {
    // The first line says what and where ("... at line 2, column 1:"); the rest quotes the file.
    const [first = '', ...excerpt] = (error as Error).message.split('\n').filter((l) => l.trim() !== '');
    const quoted = excerpt.length > 0 ? `\n      ${excerpt.join('\n      ')}` : '';
    throw new ConfigError(path, [`not valid YAML: ${first.replace(/:$/, '')}${quoted}`]);
  }
}

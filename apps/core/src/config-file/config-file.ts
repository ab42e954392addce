import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { AisleConfigFile } from './aisle-config-file.dto.js';
import { ConfigFileError, YAML_SYNTAX_FIELD } from './config-file.errors.js';
import { validateConfigFile, type ConfigRuleDeps } from './config-file.validation.js';

export type { AisleConfigFile } from './aisle-config-file.dto.js';

/**
 * Parses and validates `aisle.yaml` text. Reports every problem at once (YAML syntax, shape,
 * floor plan, duplicate ids), each with its path; plugin domains and configs are checked too
 * when `deps.catalog` is given (the applier always checks them before writing).
 */
export function parseConfigFile(
  text: string,
  source = '<inline>',
  deps: ConfigRuleDeps = {},
): AisleConfigFile {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigFileError(
      source,
      document.errors.map((e) => ({
        field: YAML_SYNTAX_FIELD,
        value: undefined,
        // First line only: `prettyErrors` appends a source excerpt; the line/column are in it.
        message: (e.message.split('\n')[0] ?? e.message).replace(/:$/, ''),
      })),
    );
  }
  const { value, errors } = validateConfigFile(document.toJS({ maxAliasCount: 1000 }) ?? {}, deps);
  if (errors.length > 0) throw new ConfigFileError(source, errors);
  return value;
}

/** Reads, parses and validates a config file (see {@link parseConfigFile}). */
export async function loadConfigFile(
  path: string,
  deps: ConfigRuleDeps = {},
): Promise<AisleConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the config file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfigFile(text, path, deps);
}

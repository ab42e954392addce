import { isBuiltin } from 'node:module';

/** One import of a module by a plugin's code. */
export interface ImportSite {
  specifier: string;
  line: number;
}

// `import x from 'm'`, `import 'm'`, `export … from 'm'`, `import('m')`, `require('m')`.
const IMPORT =
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"\n]+)['"]|\b(?:import|require)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Every module specifier a TypeScript or JavaScript source imports, with its line. */
export function importsOf(source: string): ImportSite[] {
  // Comments out, line breaks kept (so line numbers stay right).
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/^[ \t]*\/\/.*$/gm, '');
  const sites: ImportSite[] = [];
  for (const match of code.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (specifier === undefined) continue;
    const line = code.slice(0, match.index).split('\n').length;
    sites.push({ specifier, line });
  }
  return sites;
}

/** `lodash/fp` → `lodash`; `@scope/pkg/sub` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** `mqtt@^5` → `mqtt`; `@scope/pkg@1` → `@scope/pkg`. */
export function requirementName(requirement: string): string {
  const at = requirement.indexOf('@', requirement.startsWith('@') ? 1 : 0);
  return at === -1 ? requirement : requirement.slice(0, at);
}

/**
 * Why an import breaks the plugin import rule, or undefined when it is allowed: a plugin imports
 * `@aisle/sdk`, its own files, the Node built-ins its manifest declares in `builtins` (`node:fs`
 * also covers `node:fs/promises`) and the packages its manifest lists in `requirements`.
 */
export function importViolation(
  specifier: string,
  rules: { builtins: readonly string[]; requirements: readonly string[]; insidePlugin: boolean },
): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    return rules.insidePlugin
      ? undefined
      : `imports ${JSON.stringify(specifier)}, outside the plugin's folder (a plugin imports only its own files and @aisle/sdk)`;
  }
  if (specifier === '@aisle/sdk') return undefined;
  if (specifier.startsWith('@aisle/')) {
    return `imports ${JSON.stringify(specifier)}: of Aisle, a plugin's code imports only @aisle/sdk (the test kit @aisle/sdk/testing belongs in test/)`;
  }
  if (specifier.startsWith('node:') || isBuiltin(specifier)) {
    const name = specifier.startsWith('node:') ? specifier : `node:${specifier}`;
    const covered = rules.builtins.some((b) => name === b || name.startsWith(`${b}/`));
    return covered
      ? undefined
      : `imports the Node built-in ${JSON.stringify(specifier)}, which the manifest's "builtins" does not declare (add "${name}")`;
  }
  const name = packageName(specifier);
  return rules.requirements.some((r) => requirementName(r) === name)
    ? undefined
    : `imports ${JSON.stringify(specifier)}, but "${name}" is not in the manifest's "requirements"`;
}

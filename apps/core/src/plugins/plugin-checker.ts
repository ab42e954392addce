import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatFieldErrors } from '@aisle/sdk';
import type { DiscoveredPlugin } from './plugin-discovery.js';
import { PLUGIN_KEYWORD } from './plugin-discovery.js';

/** One finding of `aisle plugins check` (our hassfest). */
export interface PluginProblem {
  plugin: string;
  dir: string;
  problem: string;
}

interface PackageJson {
  name?: string;
  keywords?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readPackage(path: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/** `mqtt@^5` → `mqtt`; `@scope/pkg@1` → `@scope/pkg`. */
export function requirementName(requirement: string): string {
  const at = requirement.indexOf('@', requirement.startsWith('@') ? 1 : 0);
  return at === -1 ? requirement : requirement.slice(0, at);
}

/**
 * Checks every discovered plugin: a valid manifest, a README (the manifest's `documentation`), an
 * entry source, and each `requirements` package declared in the plugin's package.json (or, for
 * plugins inside this repo, in the root package.json that npm workspaces install).
 */
export async function checkPlugins(
  plugins: readonly DiscoveredPlugin[],
  options: { rootDir: string },
): Promise<PluginProblem[]> {
  const root = await readPackage(join(options.rootDir, 'package.json'));
  const problems: PluginProblem[] = [];
  for (const plugin of plugins) {
    const report = (problem: string): void => {
      problems.push({
        plugin: plugin.manifest.domain,
        dir: relative(options.rootDir, plugin.dir) || '.',
        problem,
      });
    };
    if (plugin.errors.length > 0) report(`aisle-plugin.json: ${formatFieldErrors(plugin.errors)}`);
    const doc = plugin.manifest.documentation;
    if (typeof doc !== 'string' || !(await exists(join(plugin.dir, doc)))) {
      report(`documentation file ${JSON.stringify(doc)} is missing (every plugin needs a README)`);
    }
    const pkg = await readPackage(join(plugin.dir, 'package.json'));
    if (!pkg) {
      report('package.json is missing or not JSON');
      continue;
    }
    if (!pkg.keywords?.includes(PLUGIN_KEYWORD)) {
      report(`package.json keywords must include "${PLUGIN_KEYWORD}"`);
    }
    const hasSource =
      (await exists(join(plugin.dir, 'src', 'index.ts'))) ||
      (await exists(join(plugin.dir, plugin.manifest.entry)));
    if (!hasSource) report(`neither src/index.ts nor the entry ${plugin.manifest.entry} exists`);
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...(plugin.source === 'folder' ? Object.keys(root?.dependencies ?? {}) : []),
    ]);
    for (const requirement of plugin.manifest.requirements ?? []) {
      if (!declared.has(requirementName(requirement))) {
        report(`requirement ${JSON.stringify(requirement)} is not a dependency in package.json`);
      }
    }
  }
  return problems;
}

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { asPlugin, type AislePlugin } from '@aisle/sdk';
import type { DiscoveredPlugin } from './plugin-discovery.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Imports a discovered plugin's entry and checks it exports the kind of plugin its manifest says.
 * `preferSource` loads `src/index.ts` when present (tests run TypeScript directly). Throws an
 * error that says what is wrong; the host marks the plugin failed with it.
 */
export async function loadPlugin(
  found: DiscoveredPlugin,
  options: { preferSource?: boolean } = {},
): Promise<AislePlugin> {
  const source = join(found.dir, 'src', 'index.ts');
  let entry: string;
  if (options.preferSource && (await exists(source))) entry = source;
  else {
    entry = join(found.dir, found.manifest.entry);
    if (!(await exists(entry))) {
      throw new Error(`entry ${found.manifest.entry} does not exist (was the plugin built?)`);
    }
  }
  const mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  const plugin = asPlugin(mod.default);
  if (typeof plugin === 'string') throw new Error(plugin);
  if (plugin.kind !== found.manifest.kind) {
    throw new Error(
      `the entry exports a ${plugin.kind} plugin but the manifest says ${found.manifest.kind}`,
    );
  }
  return plugin;
}

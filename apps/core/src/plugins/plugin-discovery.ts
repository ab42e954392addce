import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MANIFEST_FILE, validateManifest, type FieldError, type PluginManifest } from '@aisle/sdk';

/** npm keyword that marks an installed package as an Aisle plugin. */
export const PLUGIN_KEYWORD = 'aisle-plugin';

export interface DiscoveredPlugin {
  /** Absolute, real path of the plugin folder. */
  dir: string;
  /** Folder (or package) the plugin was found in. */
  source: 'folder' | 'package';
  /** The manifest as validated (defaults filled); present even when it has errors. */
  manifest: PluginManifest;
  /** Every manifest problem; empty when valid. */
  errors: FieldError[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

async function inspect(
  dir: string,
  source: DiscoveredPlugin['source'],
  folder?: string,
): Promise<DiscoveredPlugin> {
  const file = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = await readJson(file);
  } catch (error) {
    const { manifest } = validateManifest({});
    manifest.domain = basename(dir);
    return {
      dir,
      source,
      manifest,
      errors: [
        {
          field: MANIFEST_FILE,
          value: file,
          message: `cannot be read as JSON: ${(error as Error).message}`,
        },
      ],
    };
  }
  const { manifest, errors } = validateManifest(raw, folder === undefined ? {} : { folder });
  if (typeof manifest.domain !== 'string' || manifest.domain === '') {
    manifest.domain = basename(dir);
  }
  return { dir, source, manifest, errors };
}

/**
 * Every `<dir>/<domain>/aisle-plugin.json` below the given plugin folders (domain must equal
 * folder); a given folder that holds a manifest itself is taken as one plugin. A folder that does
 * not exist or holds no plugin at all is reported through `warn` (a typo in AISLE_PLUGIN_DIRS must
 * not load nothing silently).
 */
export async function discoverFolderPlugins(
  pluginDirs: readonly string[],
  warn: (message: string) => void = () => undefined,
): Promise<DiscoveredPlugin[]> {
  const found: DiscoveredPlugin[] = [];
  for (const parent of pluginDirs) {
    if (!(await exists(parent))) {
      warn(`plugin folder ${parent} does not exist`);
      continue;
    }
    if (await exists(join(parent, MANIFEST_FILE))) {
      const dir = await realpath(parent);
      found.push(await inspect(dir, 'folder', basename(dir)));
      continue;
    }
    let plugins = 0;
    for (const entry of await readdir(parent, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = await realpath(join(parent, entry.name));
      if (await exists(join(dir, MANIFEST_FILE))) {
        found.push(await inspect(dir, 'folder', entry.name));
        plugins += 1;
      }
    }
    if (plugins === 0) {
      warn(
        `plugin folder ${parent} holds no ${MANIFEST_FILE}, neither itself nor in a subfolder: nothing loaded from it`,
      );
    }
  }
  return found;
}

/** Installed packages (top level and scoped) whose package.json keywords include `aisle-plugin`. */
export async function discoverPackagePlugins(nodeModules: string): Promise<DiscoveredPlugin[]> {
  if (!(await exists(nodeModules))) return [];
  const candidates: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of await readdir(path, { withFileTypes: true })) {
        candidates.push(join(path, scoped.name));
      }
    } else candidates.push(path);
  }
  const found: DiscoveredPlugin[] = [];
  for (const candidate of candidates) {
    const pkgFile = join(candidate, 'package.json');
    if (!(await exists(pkgFile))) continue;
    const pkg = (await readJson(pkgFile).catch(() => ({}))) as { keywords?: unknown };
    if (!Array.isArray(pkg.keywords) || !pkg.keywords.includes(PLUGIN_KEYWORD)) continue;
    const dir = await realpath(candidate);
    if (await exists(join(dir, MANIFEST_FILE))) found.push(await inspect(dir, 'package'));
  }
  return found;
}

/**
 * Plugins from folders first, then installed packages; a package that is also one of the folders
 * (npm workspaces link them) counts once. Two different plugins claiming one domain are both
 * reported with an error.
 */
export async function discoverPlugins(options: {
  pluginDirs: readonly string[];
  nodeModules?: string;
  /** Told about plugin folders that do not exist or hold no plugin. */
  warn?: (message: string) => void;
}): Promise<DiscoveredPlugin[]> {
  const all = [
    ...(await discoverFolderPlugins(options.pluginDirs, options.warn)),
    ...(options.nodeModules ? await discoverPackagePlugins(options.nodeModules) : []),
  ];
  const byDir = new Map<string, DiscoveredPlugin>();
  for (const plugin of all) if (!byDir.has(plugin.dir)) byDir.set(plugin.dir, plugin);
  const unique = [...byDir.values()];
  const byDomain = new Map<string, DiscoveredPlugin[]>();
  for (const plugin of unique) {
    byDomain.set(plugin.manifest.domain, [...(byDomain.get(plugin.manifest.domain) ?? []), plugin]);
  }
  for (const [domain, plugins] of byDomain) {
    if (plugins.length < 2) continue;
    for (const plugin of plugins) {
      plugin.errors.push({
        field: 'domain',
        value: domain,
        message: `claimed by ${plugins.length} plugins (${plugins.map((p) => p.dir).join(', ')})`,
      });
    }
  }
  return unique;
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getMetadataStorage } from 'class-validator';
import { CaptureFileFrameSource } from '@aisle/hardware';
import { discoverPlugins, type DiscoveredPlugin } from '@aisle/core/plugins';
import {
  asPlugin,
  formatFieldErrors,
  validatePlain,
  type AislePlugin,
  type QualityTier,
} from '@aisle/sdk';
import { importViolation, importsOf, requirementName } from './import-rule.js';
import { findSection, readmeSections } from './readme-sections.js';

/** npm keyword that marks an installed package as an Aisle plugin. */
const PLUGIN_KEYWORD = 'aisle-plugin';

/** One finding of `aisle plugins check`: which plugin, which file, and why. */
export interface PluginProblem {
  plugin: string;
  file: string;
  problem: string;
}

export interface CheckedPlugin {
  domain: string;
  dir: string;
  quality: string;
}

export interface CheckReport {
  plugins: CheckedPlugin[];
  problems: PluginProblem[];
}

/** README sections each tier requires (headings `## <name>…`, case-insensitive). */
export const TIER_SECTIONS: Record<QualityTier, readonly string[]> = {
  bronze: ['Configuration', 'Tests'],
  silver: ['Configuration', 'Tests', 'Offline decoding'],
  gold: ['Configuration', 'Tests', 'Offline decoding', 'Diagnostics', 'Reconnection'],
};

const TIER_RANK: Record<QualityTier, number> = { bronze: 0, silver: 1, gold: 2 };

interface PackageJson {
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

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function filesUnder(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && accept(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.split(sep).includes('node_modules'))
    .sort();
}

const isSpec = (name: string): boolean => /\.(spec|test)\.[cm]?[jt]s$/.test(name);

/**
 * The plugins that `paths` name: a folder holding `aisle-plugin.json` is one plugin; any other
 * folder is searched one level down. A path that does not exist, or holds no manifest at all, is a
 * problem (never "0 plugins checked, no problems").
 */
export async function findPlugins(
  paths: readonly string[],
): Promise<{ found: DiscoveredPlugin[]; problems: PluginProblem[] }> {
  const problems: PluginProblem[] = [];
  const found: DiscoveredPlugin[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    const warnings: string[] = [];
    found.push(
      ...(await discoverPlugins({ pluginDirs: [absolute], warn: (w) => warnings.push(w) })),
    );
    for (const warning of warnings) problems.push({ plugin: '-', file: path, problem: warning });
  }
  // One plugin reached through two paths counts once.
  const byDir = new Map(found.map((p) => [p.dir, p]));
  return { found: [...byDir.values()], problems };
}

/** Decodes one sample with the plugin's own decoder: observations and rejections. */
async function decodeSample(
  plugin: AislePlugin,
  format: string,
  file: string,
): Promise<{ observations: number; rejections: string[] } | string> {
  if (plugin.kind !== 'driver') return `a ${plugin.kind} plugin has no decoders to read samples`;
  const decoder = plugin.decoders?.[format];
  if (!decoder) {
    const known = Object.keys(plugin.decoders ?? {});
    return `format "${format}" is not one of the plugin's decoders (${known.length > 0 ? known.join(', ') : 'it exports none'})`;
  }
  const rejections: string[] = [];
  let observations = 0;
  const abort = new AbortController();
  try {
    for await (const observation of decoder.decode(file, {
      ports: { frames: new CaptureFileFrameSource() },
      reject: (reason) => {
        rejections.push(reason);
      },
      progress: () => undefined,
      signal: abort.signal,
    })) {
      if (observation && typeof observation === 'object') observations += 1;
    }
  } catch (error) {
    return `the decoder failed: ${(error as Error).message}`;
  }
  return { observations, rejections };
}

/** Top-level fields of a class-validator config class. */
function configFields(schema: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/**
 * Checks one plugin as strictly as the hub loads it, and more (our hassfest): the manifest (SDK
 * range included), package.json, the README and the sections the plugin's quality tier asks for,
 * the built entry (imported: exported kind, config schema class), the import rule over its code,
 * its tests, and every recorded sample decoded by its own decoder.
 */
export async function checkPlugin(
  found: DiscoveredPlugin,
  options: { rootDir: string; preferSource?: boolean },
): Promise<PluginProblem[]> {
  const { manifest, dir } = found;
  const problems: PluginProblem[] = [];
  const show = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel || '.';
  };
  const report = (path: string, problem: string): void => {
    problems.push({ plugin: manifest.domain, file: show(path), problem });
  };
  const manifestFile = join(dir, 'aisle-plugin.json');
  if (found.errors.length > 0) report(manifestFile, formatFieldErrors(found.errors));
  const tier: QualityTier =
    manifest.quality === 'silver' || manifest.quality === 'gold' ? manifest.quality : 'bronze';

  // package.json: the npm keyword, and every requirement installed with the plugin.
  const pkgFile = join(dir, 'package.json');
  const pkg = await readJson<PackageJson>(pkgFile);
  if (!pkg) report(pkgFile, 'is missing or not JSON');
  else {
    if (!pkg.keywords?.includes(PLUGIN_KEYWORD)) {
      report(
        pkgFile,
        `keywords must include "${PLUGIN_KEYWORD}" (the hub finds installed plugins by it)`,
      );
    }
    const insideRepo = !relative(options.rootDir, dir).startsWith('..');
    const root = insideRepo
      ? await readJson<PackageJson>(join(options.rootDir, 'package.json'))
      : undefined;
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...Object.keys(root?.dependencies ?? {}),
    ]);
    for (const requirement of manifest.requirements ?? []) {
      if (!declared.has(requirementName(requirement))) {
        report(
          pkgFile,
          `requirement ${JSON.stringify(requirement)} is not one of its dependencies`,
        );
      }
    }
  }

  // README and the sections of the claimed tier.
  const readmeFile = join(
    dir,
    typeof manifest.documentation === 'string' ? manifest.documentation : 'README.md',
  );
  const readme = await readFile(readmeFile, 'utf8').catch(() => undefined);
  const sections = readmeSections(readme ?? '');
  if (readme === undefined) {
    report(readmeFile, 'is missing (the manifest\'s "documentation"; every plugin needs a README)');
  } else {
    for (const name of TIER_SECTIONS[tier]) {
      if (name === 'Offline decoding' && manifest.kind !== 'driver') continue;
      if (findSection(sections, name) === undefined) {
        report(readmeFile, `has no "## ${name}" section (required for ${tier})`);
      }
    }
  }

  // Tests.
  const tests = await filesUnder(join(dir, 'test'), isSpec);
  if (tests.length === 0) {
    report(join(dir, 'test'), 'holds no test (*.spec.ts or *.test.ts): every tier needs tests');
  }

  // The import rule, over the plugin's source (or its built code when it ships no source).
  const srcDir = join(dir, 'src');
  const code = (await exists(srcDir))
    ? await filesUnder(srcDir, (n) => /\.[cm]?[jt]s$/.test(n) && !n.endsWith('.d.ts') && !isSpec(n))
    : await filesUnder(join(dir, manifest.entry, '..'), (n) => /\.[cm]?js$/.test(n));
  for (const file of code) {
    const text = await readFile(file, 'utf8');
    for (const site of importsOf(text)) {
      const target = site.specifier.startsWith('.') ? resolve(file, '..', site.specifier) : '';
      const violation = importViolation(site.specifier, {
        builtins: Array.isArray(manifest.builtins) ? manifest.builtins : [],
        requirements: Array.isArray(manifest.requirements) ? manifest.requirements : [],
        insidePlugin: target === '' || !relative(dir, target).startsWith('..'),
      });
      if (violation) report(`${file}:${site.line}`, violation);
    }
  }

  // The built entry, imported as the hub imports it.
  const source = join(dir, 'src', 'index.ts');
  const entry = options.preferSource && (await exists(source)) ? source : join(dir, manifest.entry);
  let plugin: AislePlugin | undefined;
  if (!(await exists(entry))) {
    report(
      entry,
      `the manifest's entry "${manifest.entry}" does not exist (build the plugin first)`,
    );
  } else {
    try {
      const mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
      const candidate = asPlugin(mod.default);
      if (typeof candidate === 'string') report(entry, candidate);
      else plugin = candidate;
    } catch (error) {
      report(entry, `cannot be imported: ${(error as Error).message}`);
    }
  }
  if (plugin) {
    if (plugin.kind !== manifest.kind) {
      report(
        entry,
        `exports a ${plugin.kind} plugin but the manifest says "kind": "${manifest.kind}" (the hub refuses it)`,
      );
    }
    let fields: string[] = [];
    try {
      validatePlain(plugin.configSchema, {});
      fields = configFields(plugin.configSchema);
    } catch (error) {
      report(entry, `configSchema is not a usable config class: ${(error as Error).message}`);
    }
    if (TIER_RANK[tier] >= TIER_RANK.silver && readme !== undefined) {
      const configuration = findSection(sections, 'Configuration') ?? '';
      const missing = fields.filter((f) => !configuration.includes(f));
      if (missing.length > 0) {
        report(
          readmeFile,
          `the Configuration section does not document ${missing.map((f) => `"${f}"`).join(', ')} (required for ${tier})`,
        );
      }
    }
    if (TIER_RANK[tier] >= TIER_RANK.gold) {
      const texts = await Promise.all(code.map((f) => readFile(f, 'utf8')));
      if (!texts.some((t) => /status\.unavailable\(|AvailabilityWatchdog/.test(t))) {
        report(
          (await exists(srcDir)) ? srcDir : join(dir, manifest.entry, '..'),
          'never reports availability (ctx.status.unavailable or AvailabilityWatchdog): required for gold',
        );
      }
      const testTexts = await Promise.all(tests.map((f) => readFile(f, 'utf8')));
      if (!testTexts.some((t) => /reconnect|unavailable/i.test(t))) {
        report(join(dir, 'test'), 'no test covers reconnect or unavailability: required for gold');
      }
    }
  }

  // Recorded samples: present, and read by the plugin's own decoder without a rejection.
  const samples = Array.isArray(manifest.samples) ? manifest.samples : [];
  if (manifest.kind === 'driver' && TIER_RANK[tier] >= TIER_RANK.silver && samples.length === 0) {
    report(manifestFile, `lists no "samples": a ${tier} driver ships at least one recorded input`);
  }
  for (const sample of samples) {
    const file = join(dir, String(sample.path));
    if (!(await exists(file))) {
      report(file, `sample listed in the manifest does not exist`);
      continue;
    }
    if (!plugin) continue;
    const result = await decodeSample(plugin, String(sample.format), file);
    if (typeof result === 'string') report(file, result);
    else if (result.rejections.length > 0) {
      const reasons = [...new Set(result.rejections)].join(', ');
      report(
        file,
        `the ${sample.format} decoder rejected ${result.rejections.length} record(s) (${reasons})`,
      );
    } else if (result.observations === 0) {
      report(file, `the ${sample.format} decoder read no observation from it`);
    }
  }
  return problems;
}

/**
 * `aisle plugins check [paths…]`: the given paths, or `<root>/plugins` plus AISLE_PLUGIN_DIRS.
 */
export async function checkPluginPaths(
  paths: readonly string[],
  options: { rootDir: string; env?: NodeJS.ProcessEnv; preferSource?: boolean },
): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const targets =
    paths.length > 0
      ? paths
      : [
          join(options.rootDir, 'plugins'),
          ...(env['AISLE_PLUGIN_DIRS']?.split(':').filter(Boolean) ?? []),
        ];
  const { found, problems } = await findPlugins(targets);
  for (const plugin of found) {
    problems.push(
      ...(await checkPlugin(plugin, {
        rootDir: options.rootDir,
        ...(options.preferSource ? { preferSource: true } : {}),
      })),
    );
  }
  return {
    plugins: found.map((p) => ({
      domain: p.manifest.domain,
      dir: p.dir,
      quality: p.manifest.quality,
    })),
    problems,
  };
}

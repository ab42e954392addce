import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { SDK_VERSION, type PluginKind } from '@aisle/sdk';

/** Template folders (this file is `apps/cli/{src,dist}/scaffold/scaffold.*`). */
export const TEMPLATES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates');

const DOMAIN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface ScaffoldOptions {
  domain: string;
  kind: PluginKind;
  /** Folder the plugin folder is created in. */
  parent: string;
  /** `@aisle/sdk` range for the manifest and package.json (default `^<this SDK>`). */
  sdkRange?: string;
}

export interface Scaffolded {
  dir: string;
  /** Written files, relative to `dir`. */
  files: string[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.tpl'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** `acme-counter` → `AcmeCounter` / `acmeCounter` / `Acme counter`. */
export function names(domain: string): { pascal: string; camel: string; title: string } {
  const words = domain.split('-');
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  const title = words.join(' ');
  return { pascal, camel, title: title.charAt(0).toUpperCase() + title.slice(1) };
}

/**
 * Writes a new plugin folder `<parent>/<domain>` from the templates of its kind: manifest,
 * package.json, tsconfig, config class, the driver (policy module, exporter) with setup and
 * teardown, a README with the sections `aisle plugins check` asks for, tests using the SDK test
 * kit, and a recorded sample input. Returns an error text instead when it cannot.
 */
export async function scaffoldPlugin(options: ScaffoldOptions): Promise<Scaffolded | string> {
  const { domain, kind } = options;
  if (!DOMAIN.test(domain)) {
    return `domain "${domain}" must be lower-case letters, digits and dashes, starting with a letter (e.g. acme-counter)`;
  }
  const sdkRange = options.sdkRange ?? `^${SDK_VERSION}`;
  if (semver.validRange(sdkRange) === null) return `--sdk: "${sdkRange}" is not a semver range`;
  if (!semver.satisfies(SDK_VERSION, sdkRange)) {
    return `--sdk: "${sdkRange}" does not include this SDK (${SDK_VERSION}); the hub would refuse the plugin`;
  }
  const dir = join(options.parent, domain);
  if (await exists(dir)) return `${dir} already exists; choose another domain or --dir`;
  const { pascal, camel, title } = names(domain);
  const fill = (text: string): string =>
    text
      .replaceAll('__DOMAIN__', domain)
      .replaceAll('__PASCAL__', pascal)
      .replaceAll('__CAMEL__', camel)
      .replaceAll('__TITLE__', title)
      .replaceAll('__KIND__', kind)
      .replaceAll('__SDK_RANGE__', sdkRange);
  const files: string[] = [];
  for (const base of [join(TEMPLATES, 'common'), join(TEMPLATES, kind)]) {
    for (const template of await templateFiles(base)) {
      const target = template
        .replace(/\.tpl$/, '')
        .replace(/^gitignore$/, '.gitignore')
        .replace(/(^|\/)(driver|policy|exporter)\.test\.ts$/, `$1${domain}.$2.test.ts`);
      const path = join(dir, target);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, fill(await readFile(join(base, template), 'utf8')));
      files.push(target);
    }
  }
  return { dir, files };
}

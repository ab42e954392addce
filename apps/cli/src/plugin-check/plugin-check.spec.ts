import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK_VERSION } from '@aisle/sdk';
import { checkPluginPaths } from './plugin-check.js';
import { importViolation, importsOf, requirementName } from './import-rule.js';

const root = process.cwd();
const fixtures = join(root, 'test', 'fixtures', 'plugins', 'check');
const notOk = (name: string): string => join(fixtures, 'not-ok', name);

/** Problems of one fixture plugin, as `file: problem` lines. */
async function problemsOf(name: string): Promise<string[]> {
  const report = await checkPluginPaths([notOk(name)], { rootDir: root });
  expect(report.plugins.map((p) => p.domain)).toEqual([name]);
  return report.problems.map((p) => `${p.file}: ${p.problem}`);
}

describe(checkPluginPaths.name, () => {
  it('passes every bundled plugin (from source), each at the tier it claims', async () => {
    const report = await checkPluginPaths([], { rootDir: root, env: {}, preferSource: true });
    expect(report.problems).toEqual([]);
    expect(Object.fromEntries(report.plugins.map((p) => [p.domain, p.quality]))).toEqual({
      'aisle-mqtt': 'bronze',
      'ble-beacon': 'silver',
      'camera-counter': 'silver',
      'home-assistant': 'gold',
      'staff-only-zones': 'bronze',
      'wifi-sniffer': 'silver',
    });
  });

  it('checks a plugin folder given as the path as that plugin, and passes the good fixture', async () => {
    const report = await checkPluginPaths([join(fixtures, 'ok', 'good-driver')], { rootDir: root });
    expect(report.plugins.map((p) => p.domain)).toEqual(['good-driver']);
    expect(report.problems).toEqual([]);
  });

  it('refuses a path that does not exist and one that holds no manifest at all', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'aisle-check-'));
    try {
      const report = await checkPluginPaths([join(empty, 'nope'), empty], { rootDir: root });
      expect(report.plugins).toEqual([]);
      expect(report.problems.map((p) => p.problem)).toEqual([
        expect.stringMatching(/nope does not exist/),
        expect.stringMatching(/holds no aisle-plugin.json, neither itself nor in a subfolder/),
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('honours AISLE_PLUGIN_DIRS when no path is given', async () => {
    const report = await checkPluginPaths([], {
      rootDir: root,
      env: { AISLE_PLUGIN_DIRS: `${join(fixtures, 'ok')}:${join(fixtures, 'ok', 'good-driver')}` },
      preferSource: true,
    });
    expect(report.plugins.map((p) => p.domain).sort()).toEqual([
      'aisle-mqtt',
      'ble-beacon',
      'camera-counter',
      'good-driver',
      'home-assistant',
      'staff-only-zones',
      'wifi-sniffer',
    ]);
    expect(report.problems).toEqual([]);
  });

  // One case per failure: each names the file and the reason.
  it.each([
    [
      'missing-entry',
      /missing-entry\/dist\/nope.js: the manifest's entry "dist\/nope.js" does not exist/,
    ],
    [
      'kind-mismatch',
      /lib\/index.js: exports a driver plugin but the manifest says "kind": "policy"/,
    ],
    [
      'sdk-range',
      new RegExp(
        `aisle-plugin.json: sdk: the plugin needs SDK \\^2.0.0 but this hub provides SDK ${SDK_VERSION.replaceAll('.', '\\.')}`,
      ),
    ],
    ['no-config-class', /lib\/index.js: plugin.configSchema must be a class/],
    [
      'undeclared-package',
      /lib\/index.js:4: imports "yaml", but "yaml" is not in the manifest's "requirements"/,
    ],
    [
      'undeclared-builtin',
      /lib\/index.js:1: imports the Node built-in "node:fs\/promises", which the manifest's "builtins" does not declare/,
    ],
    ['outside-import', /lib\/index.js:4: imports "..\/..\/shared.js", outside the plugin's folder/],
    [
      'aisle-internal-import',
      /lib\/index.js:4: imports "@aisle\/aggregation": of Aisle, a plugin's code imports only @aisle\/sdk/,
    ],
    ['missing-readme-section', /README.md: has no "## Tests" section \(required for silver\)/],
    [
      'undocumented-config',
      /README.md: the Configuration section does not document "unavailableAfterSeconds"/,
    ],
    ['missing-sample', /samples\/counts.jsonl: sample listed in the manifest does not exist/],
    [
      'undecodable-sample',
      /samples\/counts.jsonl: the undecodable-sample decoder rejected 2 record\(s\) \(bad_record, not_json\)/,
    ],
    [
      'unknown-sample-format',
      /samples\/counts.jsonl: format "nope" is not one of the plugin's decoders/,
    ],
    [
      'silver-without-samples',
      /aisle-plugin.json: lists no "samples": a silver driver ships at least one/,
    ],
    ['gold-unmet', /README.md: has no "## Diagnostics" section \(required for gold\)/],
    ['no-tests', /no-tests\/test: holds no test/],
    ['no-package-json', /package.json: is missing or not JSON/],
    [
      'bad-manifest',
      /aisle-plugin.json: version: .*\(got "one"\); quality: .*bronze, silver, gold \(got "platinum"\)/,
    ],
  ])('refuses %s with the file and the reason', async (name, expected) => {
    const problems = await problemsOf(name);
    expect(problems).toContainEqual(expect.stringMatching(expected));
  });

  it('asks more of gold: availability reported by the code, a reconnect test, two more sections', async () => {
    const problems = await problemsOf('gold-unmet');
    expect(problems).toEqual([
      expect.stringMatching(/README.md: has no "## Diagnostics" section/),
      expect.stringMatching(/README.md: has no "## Reconnection" section/),
      expect.stringMatching(/lib: never reports availability/),
      expect.stringMatching(/test: no test covers reconnect or unavailability/),
    ]);
  });
});

describe(importsOf.name, () => {
  it('finds static, re-export, side-effect and dynamic imports with their lines, not comments', () => {
    const source = [
      "import 'reflect-metadata';",
      "import { a } from './a.js';",
      '/* import x from "commented"; */',
      "// import y from 'also-commented';",
      "export * from './b.js';",
      "import type { T } from 'typed';",
      "const m = await import('dynamic');",
    ].join('\n');
    expect(importsOf(source)).toEqual([
      { specifier: 'reflect-metadata', line: 1 },
      { specifier: './a.js', line: 2 },
      { specifier: './b.js', line: 5 },
      { specifier: 'typed', line: 6 },
      { specifier: 'dynamic', line: 7 },
    ]);
  });

  it('applies the rule: sdk, declared built-ins (a module covers its submodules), requirements', () => {
    const rules = { builtins: ['node:fs'], requirements: ['mqtt@5.16.0'], insidePlugin: true };
    expect(importViolation('@aisle/sdk', rules)).toBeUndefined();
    expect(importViolation('node:fs/promises', rules)).toBeUndefined();
    expect(importViolation('fs', rules)).toBeUndefined();
    expect(importViolation('mqtt', rules)).toBeUndefined();
    expect(importViolation('@aisle/sdk/testing', rules)).toMatch(/belongs in test/);
    expect(importViolation('node:net', rules)).toMatch(/does not declare/);
    expect(importViolation('ws', rules)).toMatch(/"ws" is not in the manifest's "requirements"/);
  });

  it('reads requirement names', () => {
    expect(requirementName('mqtt@^5')).toBe('mqtt');
    expect(requirementName('@abandonware/noble@1.9')).toBe('@abandonware/noble');
    expect(requirementName('node-ble')).toBe('node-ble');
  });
});

import { join } from 'node:path';
import { checkPlugins, requirementName } from './plugin-checker.js';
import { discoverPlugins } from './plugin-discovery.js';

const root = process.cwd();

describe(checkPlugins.name, () => {
  it('passes every plugin in plugins/', async () => {
    const found = await discoverPlugins({ pluginDirs: [join(root, 'plugins')] });
    expect(found.length).toBeGreaterThan(0);
    expect(await checkPlugins(found, { rootDir: root })).toEqual([]);
  });

  it('reports each broken fixture with the reason', async () => {
    const found = await discoverPlugins({
      pluginDirs: [join(root, 'test', 'fixtures', 'plugins', 'not-ok')],
    });
    const problems = await checkPlugins(found, { rootDir: root });
    const text = problems.map((p) => `${p.plugin}: ${p.problem}`).join('\n');
    expect(text).toMatch(/Bad_Manifest: aisle-plugin.json: .*domain/);
    expect(text).toMatch(/Bad_Manifest: .*version: .*"one"/);
    expect(text).toMatch(/package.json is missing/);
  });

  it('reads requirement names', () => {
    expect(requirementName('mqtt@^5')).toBe('mqtt');
    expect(requirementName('@abandonware/noble@1.9')).toBe('@abandonware/noble');
    expect(requirementName('node-ble')).toBe('node-ble');
  });
});

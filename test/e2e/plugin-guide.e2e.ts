import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import { PluginHost, REPO_ROOT } from '@aisle/core';
import { SDK_VERSION } from '@aisle/sdk';
import { eventually, metricValue, startTestHub, type TestHub } from '../support/test-hub.js';

const run = promisify(execFile);
const GUIDE = join(REPO_ROOT, 'docs', 'plugins.md');

/** The fenced blocks of the guide whose info string is `lang tag` (e.g. `sh guide`). */
function blocks(markdown: string, info: string): string[] {
  const out: string[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    if ((match[1] ?? '').trim() === info) out.push(match[2] ?? '');
  }
  return out;
}

/** True when a TypeScript file under a package's src has no compiled file in dist as new. */
async function stale(pkg: string): Promise<boolean> {
  for (const entry of await readdir(join(pkg, 'src'), { recursive: true })) {
    if (!entry.endsWith('.ts') || entry.endsWith('.spec.ts')) continue;
    const source = await stat(join(pkg, 'src', entry));
    const built = await stat(join(pkg, 'dist', entry.replace(/\.ts$/, '.js'))).catch(() => null);
    if (!built || built.mtimeMs < source.mtimeMs) return true;
  }
  return false;
}

/**
 * docs/plugins.md, executed: its `sh guide` blocks run in order in one shell (scaffold, pack and
 * install the SDK from the tarball, build, test, replay the capture, check), then its store and
 * its hub step are replayed: a hub started with AISLE_PLUGIN_DIRS and AISLE_CONFIG loads the new
 * plugin from its built entry and counts what the counter publishes.
 */
describe('the plugin guide (docs/plugins.md), from an empty folder to a counted sighting', () => {
  let plugins: string;
  let empty: string;
  let hub: TestHub | undefined;
  let output = '';

  beforeAll(async () => {
    // `npm test` builds first; build here only when something the CLI runs is missing or older.
    const packages = ['apps/cli', 'apps/core', 'libs/sdk', 'hardware', 'plugins/camera-counter'];
    for (const pkg of packages) {
      if (await stale(join(REPO_ROOT, pkg))) {
        await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
        break;
      }
    }
    plugins = await mkdtemp(join(tmpdir(), 'aisle-guide-'));
    empty = await mkdtemp(join(tmpdir(), 'aisle-guide-empty-'));
    const script = blocks(await readFile(GUIDE, 'utf8'), 'sh guide').join('\n');
    const result = await run('sh', ['-e', '-c', script], {
      cwd: plugins,
      env: {
        ...process.env,
        AISLE: REPO_ROOT,
        PLUGINS: plugins,
        NODE_NO_WARNINGS: '1',
        // The npm cache first (the registry is reachable, but need not be asked).
        npm_config_prefer_offline: 'true',
        npm_config_update_notifier: 'false',
      },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `the guide's commands failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`,
      );
    });
    output = `${result.stdout}\n${result.stderr}`;
  }, 300_000);

  afterAll(async () => {
    await hub?.stop();
    await rm(plugins, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  it('scaffolds, installs the packed SDK, builds, tests, replays the capture and checks', async () => {
    expect(output).toMatch(/created .*acme-counter \(\d+ files\)/);
    // The plugin compiled against the SDK installed from its npm tarball, not the checkout.
    const sdk = JSON.parse(
      await readFile(
        join(plugins, 'acme-counter', 'node_modules', '@aisle', 'sdk', 'package.json'),
        'utf8',
      ),
    ) as { version: string };
    expect(sdk.version).toBe(SDK_VERSION);
    await stat(
      join(plugins, 'acme-counter', 'node_modules', '@aisle', 'sdk', 'dist', 'index.d.ts'),
    );
    await stat(join(plugins, 'acme-counter', 'dist', 'index.js'));
    expect(output).toMatch(/# pass 6\n# fail 0/);
    expect(output).toMatch(/"summary":\{"format":"acme-counter".*"observations":3.*"rejected":0/);
    expect(output).toMatch(/ok {3}acme-counter \[silver\]/);
    expect(output).toMatch(/1 plugin\(s\) checked, no problems/);
  });

  it('loads it in a hub through AISLE_PLUGIN_DIRS and counts what the counter publishes', async () => {
    const guide = await readFile(GUIDE, 'utf8');
    const [store] = blocks(guide, 'yaml guide:store.yaml');
    expect(store).toBeDefined();
    await writeFile(join(plugins, 'store.yaml'), store ?? '');
    hub = await startTestHub({
      pluginDirsFromEnv: true,
      built: true,
      env: {
        AISLE_PLUGIN_DIRS: `${plugins}:${empty}`,
        AISLE_CONFIG: join(plugins, 'store.yaml'),
      },
    });
    const running = hub;
    expect(running.hub.get(PluginHost).get('acme-counter')).toMatchObject({ status: 'loaded' });
    // A plugin folder that holds no manifest is not silently ignored.
    expect(running.logs.join('\n')).toContain(
      `plugin folder ${empty} holds no aisle-plugin.json, neither itself nor in a subfolder`,
    );
    await eventually('the driver running', () =>
      running.hub
        .get(PluginHost)
        .driverStates('guide-store')
        .some((s) => s.status === 'running'),
    );
    // The guide's mosquitto_pub, as it is written there.
    const pub = /mosquitto_pub -h \S+ -t (\S+) -m '([^']+)'/.exec(guide);
    expect(pub).not.toBeNull();
    const client = await connectAsync(running.hub.mqttUrl, { clientId: `guide-${Date.now()}` });
    try {
      await client.publishAsync(pub?.[1] ?? '', pub?.[2] ?? '', { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await eventually(
      'the sighting counted',
      async () =>
        metricValue(await running.metrics(), 'aisle_observations_total', {
          store: 'guide-store',
          kind: 'camera',
        }) === 1,
    );
  }, 120_000);

  it('scaffolds policy and exporter plugins that build against the packed SDK, pass their tests and the checker', async () => {
    const aisle = join(REPO_ROOT, 'apps', 'cli', 'bin', 'aisle.js');
    for (const kind of ['policy', 'exporter']) {
      const dir = join(plugins, `acme-${kind}`);
      await run(process.execPath, [
        aisle,
        'plugins',
        'new',
        `acme-${kind}`,
        '--kind',
        kind,
        '--dir',
        plugins,
      ]);
      // The same installed SDK, peers and TypeScript as the driver above (npm install is slow).
      await symlink(join(plugins, 'acme-counter', 'node_modules'), join(dir, 'node_modules'));
      const env = { ...process.env, NODE_NO_WARNINGS: '1' };
      await run('npm', ['run', 'build'], { cwd: dir, env });
      const tests = await run('npm', ['test'], { cwd: dir, env });
      expect(tests.stdout).toMatch(/# fail 0/);
      expect(tests.stdout).not.toMatch(/# pass 0/);
      const check = await run(process.execPath, [aisle, 'plugins', 'check', '.'], {
        cwd: dir,
        env,
      });
      expect(check.stdout).toContain(`ok   acme-${kind} [silver]`);
    }
  }, 120_000);
});

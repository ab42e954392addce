import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_VERSION } from './manifest.js';

const dir = join(process.cwd(), 'libs', 'sdk');
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
  version: string;
  private?: boolean;
  peerDependencies: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  files: string[];
};

/** What makes @aisle/sdk a package an outside plugin can depend on (packed by the guide e2e). */
describe('@aisle/sdk as a package', () => {
  it('is published under the version the hub checks manifests against, with a changelog entry', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.version).toBe(SDK_VERSION);
    const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## [${SDK_VERSION}]`);
  });

  it('declares its peers and ships JavaScript with declarations, not sources', () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([
      'class-transformer',
      'class-validator',
      'reflect-metadata',
    ]);
    for (const entry of ['.', './testing']) {
      expect(pkg.exports[entry]).toMatchObject({
        types: expect.stringMatching(/^\.\/dist\/.*\.d\.ts$/),
        default: expect.stringMatching(/^\.\/dist\/.*\.js$/),
      });
    }
    expect(pkg.files.some((f) => f.startsWith('src'))).toBe(false);
  });
});

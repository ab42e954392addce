import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK_VERSION, validateManifest } from '@aisle/sdk';
import { names, scaffoldPlugin } from './scaffold.js';

describe(scaffoldPlugin.name, () => {
  let parent: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'aisle-scaffold-'));
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it.each(['driver', 'policy', 'exporter'] as const)(
    'writes a %s plugin: every placeholder filled, a valid manifest of that kind',
    async (kind) => {
      const result = await scaffoldPlugin({ domain: 'acme-thing', kind, parent });
      if (typeof result === 'string') throw new Error(result);
      expect(result.dir).toBe(join(parent, 'acme-thing'));
      expect(result.files).toEqual(
        expect.arrayContaining([
          'aisle-plugin.json',
          'package.json',
          'tsconfig.json',
          'README.md',
          '.gitignore',
          'src/config.ts',
          'src/index.ts',
          `test/acme-thing.${kind}.test.ts`,
        ]),
      );
      expect(result.files.some((f) => f.startsWith('samples/'))).toBe(true);
      for (const file of result.files) {
        expect(await readFile(join(result.dir, file), 'utf8')).not.toMatch(/__[A-Z_]+__/);
      }
      const manifest = JSON.parse(await readFile(join(result.dir, 'aisle-plugin.json'), 'utf8'));
      const { manifest: parsed, errors } = validateManifest(manifest, { folder: 'acme-thing' });
      expect(errors).toEqual([]);
      expect(parsed).toMatchObject({ kind, sdk: `^${SDK_VERSION}`, quality: 'silver' });
      expect(await readFile(join(result.dir, 'src', 'config.ts'), 'utf8')).toContain(
        'export class AcmeThingConfig',
      );
    },
  );

  it('refuses a bad domain, an existing folder and an SDK range that excludes this SDK', async () => {
    expect(await scaffoldPlugin({ domain: 'Acme_Thing', kind: 'driver', parent })).toMatch(
      /domain "Acme_Thing" must be lower-case/,
    );
    await scaffoldPlugin({ domain: 'acme-thing', kind: 'driver', parent });
    expect(await scaffoldPlugin({ domain: 'acme-thing', kind: 'driver', parent })).toMatch(
      /acme-thing already exists/,
    );
    expect(
      await scaffoldPlugin({ domain: 'other', kind: 'driver', parent, sdkRange: '^2.0.0' }),
    ).toMatch(/--sdk: "\^2.0.0" does not include this SDK/);
  });

  it('names classes and titles after the domain', () => {
    expect(names('acme-people-counter')).toEqual({
      pascal: 'AcmePeopleCounter',
      camel: 'acmePeopleCounter',
      title: 'Acme people counter',
    });
  });
});

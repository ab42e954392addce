import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldError } from '@aisle/sdk';
import type { PluginCatalog } from '../plugins/plugin-catalog.js';
import { AisleConfigFile } from './aisle-config-file.dto.js';
import { ConfigFileError } from './config-file.errors.js';
import { loadConfigFile, parseConfigFile } from './config-file.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXAMPLE = join(HERE, 'aisle.example.yaml');

const catalog: PluginCatalog = {
  hasDriver: (domain) => domain === 'aisle-mqtt',
  driverDomains: () => ['aisle-mqtt'],
  validateSensorConfig: (): FieldError[] => [],
  secretConfigFields: () => [],
  sensorKindsOf: () => [],
};

function errorsOf(text: string, deps = {}): FieldError[] {
  try {
    parseConfigFile(text, 'test.yaml', deps);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return [...(error as ConfigFileError).errors];
  }
  throw new Error('expected the file to be refused');
}

const STORE = `
stores:
  - id: a
    name: A
    timezone: Europe/Berlin
    width: 30
    height: 20
`;

describe('config file', () => {
  it('the shipped aisle.example.yaml validates, including plugin domains', async () => {
    const sut = await loadConfigFile(EXAMPLE, { catalog });
    expect(sut).toBeInstanceOf(AisleConfigFile);
    expect(sut.stores.map((s) => s.id)).toEqual(['berlin-mitte']);
    expect(sut.stores[0]?.zones.map((z) => z.id)).toEqual(['entrance', 'checkout', 'pharmacy']);
    expect(sut.stores[0]?.sensors[1]).toMatchObject({ id: 'radio-2', enabled: false });
    expect(sut.stores[0]?.policy).toMatchObject({
      mode: 'count-only',
      rotationHours: 24,
      notice: { dpiaReference: 'DPIA-2026-014' },
    });
  });

  it('reports every error at once, each with its path in the file', () => {
    const errors = errorsOf(
      `
stores:
  - id: Bad Id
    name: A
    timezone: Mars/Olympus
    width: 30
    height: 20
    colour: red
    zones:
      - id: z1
        name: Z1
        polygon: [{ x: -3, y: 1 }, { x: 5, y: 1 }, { x: 5, y: 25 }]
        tags: [Entrance]
      - id: z1
        name: Z1 again
        polygon: [{ x: 1, y: 1 }, { x: 5, y: 5 }, { x: 5, y: 1 }, { x: 1, y: 5 }]
    sensors:
      - { id: s1, domain: aisle-mqtt, x: 1, y: 1 }
      - { id: s2, domain: aisle-mqtt, x: 1, y: 1, z: 30 }
      - { id: s3, domain: ble-magic, x: 40, y: 1, calibration: { pathLossExponent: 9 } }
`,
      { catalog },
    );
    const byField = Object.fromEntries(errors.map((e) => [e.field, e]));
    expect(Object.keys(byField).sort()).toEqual(
      [
        'stores[0].id',
        'stores[0].timezone',
        'stores[0].colour',
        'stores[0].zones[0].polygon[0].x',
        'stores[0].zones[0].polygon[2].y',
        'stores[0].zones[0].tags[0]',
        'stores[0].zones[1].id',
        'stores[0].zones[1].polygon',
        'stores[0].sensors[1].z',
        'stores[0].sensors[2].x',
        'stores[0].sensors[2].domain',
        'stores[0].sensors[2].calibration.pathLossExponent',
      ].sort(),
    );
    expect(byField['stores[0].sensors[2].x']).toMatchObject({
      value: 40,
      message: 'must be within the floor plan (0..30 m)',
    });
    expect(byField['stores[0].zones[1].id']?.message).toMatch(/duplicate zone id/);
    expect(byField['stores[0].sensors[2].domain']?.message).toMatch(/available: aisle-mqtt/);
  });

  it('renders all problems in the error message, one per line', () => {
    try {
      parseConfigFile(
        `${STORE}    zones: []\n    sensors: [{ id: s, domain: x, x: 99, y: 1 }]\n`,
        'aisle.yaml',
      );
      throw new Error('expected a ConfigFileError');
    } catch (error) {
      expect((error as Error).message).toBe(
        'aisle.yaml: 1 problem:\n  stores[0].sensors[0].x: must be within the floor plan (0..30 m) (got 99)',
      );
    }
  });

  it('requires the zone and sensor lists (unlisted ones would be deleted)', () => {
    expect(errorsOf(STORE).map((e) => e.field)).toEqual(['stores[0].zones', 'stores[0].sensors']);
  });

  it('refuses duplicate store ids', () => {
    const text = `stores:\n${[1, 2]
      .map(
        () =>
          '  - { id: a, name: A, timezone: UTC, width: 1, height: 1, zones: [], sensors: [] }\n',
      )
      .join('')}`;
    expect(errorsOf(text)).toEqual([
      { field: 'stores[1].id', value: 'a', message: 'duplicate store id (already at index 0)' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const errors = errorsOf('stores:\n  - id: a\n    id: b\n');
    expect(errors[0]?.field).toBe('(yaml)');
    expect(errors[0]?.message).toMatch(/unique.*at line 3, column \d+$/i);
  });

  it('refuses a file that is not a mapping', () => {
    expect(errorsOf('- just\n- a list\n')).toEqual([
      expect.objectContaining({ field: '(root)', message: 'must be an object' }),
    ]);
    expect(errorsOf('')[0]?.field).toBe('stores');
  });

  it('says which file it could not read', async () => {
    await expect(loadConfigFile(join(HERE, 'missing.yaml'))).rejects.toThrow(
      /cannot read the config file .*missing\.yaml/,
    );
  });
});

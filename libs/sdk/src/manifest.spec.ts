import { SDK_VERSION, validateManifest } from './manifest.js';

const good = {
  domain: 'wifi-sniffer',
  name: 'Wi-Fi probe-request sniffer',
  version: '1.0.0',
  sdk: '^1.0.0',
  kind: 'driver',
  sensorKinds: ['wifi'],
  iotClass: 'local_push',
  requirements: ['mqtt@^5'],
  dependencies: [],
  documentation: 'README.md',
  codeowners: ['@aisle/maintainers'],
};

describe(validateManifest.name, () => {
  it('accepts a complete manifest and fills defaults', () => {
    const { manifest, errors } = validateManifest(good, { folder: 'wifi-sniffer' });
    expect(errors).toEqual([]);
    expect(manifest.entry).toBe('dist/index.js');
    expect(manifest.ports).toEqual([]);
  });

  it('reports every problem at once, each naming its field and value', () => {
    const { errors } = validateManifest(
      {
        ...good,
        domain: 'Wifi_Sniffer',
        version: 'one',
        sdk: 'soon',
        kind: 'gadget',
        sensorKinds: ['radar'],
        extra: 1,
      },
      { folder: 'wifi-sniffer' },
    );
    const fields = errors.map((e) => e.field).sort();
    expect(fields).toEqual(['domain', 'domain', 'extra', 'kind', 'sdk', 'sensorKinds', 'version']);
    expect(errors.find((e) => e.field === 'version')?.value).toBe('one');
  });

  it('refuses a plugin written for another SDK major', () => {
    const { errors } = validateManifest({ ...good, sdk: '^2.0.0' });
    expect(errors).toEqual([
      expect.objectContaining({ field: 'sdk', message: expect.stringContaining(SDK_VERSION) }),
    ]);
  });

  it('requires a driver to declare a sensor kind', () => {
    const { errors } = validateManifest({ ...good, sensorKinds: [] });
    expect(errors.map((e) => e.field)).toEqual(['sensorKinds']);
  });

  it('rejects a non-object', () => {
    expect(validateManifest('nope').errors[0]?.field).toBe('(root)');
  });
});

import type { FieldError } from '@aisle/sdk';
import type { PluginCatalog } from '../../plugins/plugin-catalog.js';
import { sensorErrors } from './sensor.rules.js';

class FakeCatalog implements PluginCatalog {
  constructor(private readonly domains: string[]) {}
  hasDriver(domain: string): boolean {
    return this.domains.includes(domain);
  }
  driverDomains(): string[] {
    return this.domains;
  }
  validateSensorConfig(_domain: string, config: unknown): FieldError[] {
    const topic = (config as { topic?: unknown }).topic;
    return typeof topic === 'string'
      ? []
      : [{ field: 'topic', value: topic, message: 'must be a string' }];
  }
  secretConfigFields(): string[] {
    return [];
  }
  sensorKindsOf(): string[] {
    return [];
  }
}

const floor = { width: 30, height: 20 };

describe('sensor rules', () => {
  const catalog = new FakeCatalog(['wifi-sniffer', 'aisle-mqtt']);

  it('accepts a sensor inside the floor plan with a loaded domain and valid config', () => {
    expect(
      sensorErrors({ domain: 'aisle-mqtt', x: 30, y: 0, config: { topic: 't' } }, floor, catalog),
    ).toEqual([]);
  });

  it('names the domain and lists the available ones', () => {
    expect(sensorErrors({ domain: 'nope', x: 1, y: 1 }, floor, catalog)).toEqual([
      {
        field: 'domain',
        value: 'nope',
        message:
          'must be the domain of a loaded driver plugin; available: aisle-mqtt, wifi-sniffer',
      },
    ]);
    expect(
      sensorErrors({ domain: 'nope', x: 1, y: 1 }, floor, new FakeCatalog([]))[0]?.message,
    ).toMatch(/none is loaded/);
  });

  it('prefixes plugin config errors with config. and checks the position', () => {
    expect(sensorErrors({ domain: 'aisle-mqtt', x: 31, y: 1, config: {} }, floor, catalog)).toEqual(
      [
        { field: 'x', value: 31, message: 'must be within the floor plan (0..30 m)' },
        { field: 'config.topic', value: undefined, message: 'must be a string' },
      ],
    );
  });
});

import { loadAppConfig, rolesOf } from './app-config.js';

describe(loadAppConfig.name, () => {
  it('needs nothing: every default works for `npm start`', () => {
    const sut = loadAppConfig({});
    expect(sut).toMatchObject({
      PORT: 8080,
      HOST: '127.0.0.1',
      AISLE_DATA_DIR: './data',
      MQTT_PORT: 1883,
      AISLE_DEMO: true,
    });
    expect(sut.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers and booleans from strings', () => {
    const sut = loadAppConfig({
      PORT: '9000',
      AISLE_DEMO: 'false',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
    });
    expect(sut).toMatchObject({ PORT: 9000, AISLE_DEMO: false, MQTT_URL: 'mqtt://127.0.0.1:1883' });
  });

  it('reports every bad variable at once, naming each and its value', () => {
    expect(() =>
      loadAppConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
    ).toThrow(/PORT: .*"eighty".*DATABASE_URL: .*"mysql:\/\/x".*LOG_LEVEL: .*"loud"/);
  });

  it('validates the webhook allow-list', () => {
    expect(loadAppConfig({ AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1,localhost' })).toMatchObject({
      AISLE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1,localhost',
    });
    expect(() => loadAppConfig({ AISLE_WEBHOOK_ALLOW_HOSTS: 'a b' })).toThrow(
      /AISLE_WEBHOOK_ALLOW_HOSTS: .*"a b"/,
    );
  });

  it('reports a type error as a type error, not as a range error', () => {
    const error = (() => {
      try {
        loadAppConfig({ PORT: 'abc', MQTT_PORT: '70000' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain('PORT: PORT must be an integer number (got "abc")');
    expect(error).not.toMatch(/(?<!MQTT_)PORT: [^;]*greater than/);
    expect(error).toContain('MQTT_PORT: MQTT_PORT must not be greater than 65535 (got 70000)');
  });

  it('refuses a boolean it cannot read instead of taking it as true', () => {
    expect(() => loadAppConfig({ AISLE_DEMO: 'maybe' })).toThrow(
      /AISLE_DEMO: AISLE_DEMO must be true or false .*\(got "maybe"\)/,
    );
    for (const [text, value] of [
      ['true', true],
      ['1', true],
      ['yes', true],
      ['ON', true],
      ['false', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ] as const) {
      expect(loadAppConfig({ AISLE_DEMO: text }).AISLE_DEMO).toBe(value);
    }
  });

  it('runs everything in one process by default, and validates AISLE_ROLE', () => {
    expect(rolesOf(loadAppConfig({}))).toEqual({
      api: true,
      ingest: true,
      worker: true,
      distributed: false,
    });
    const chain = {
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      NATS_URL: 'nats://127.0.0.1:4222',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    };
    expect(rolesOf(loadAppConfig({ ...chain, AISLE_ROLE: 'api,ingest' }))).toEqual({
      api: true,
      ingest: true,
      worker: false,
      distributed: true,
    });
    expect(() => loadAppConfig({ ...chain, AISLE_ROLE: 'api,cook' })).toThrow(
      /AISLE_ROLE: AISLE_ROLE must be "all" or a comma-separated subset of api, ingest, worker \(got "api,cook"\)/,
    );
    expect(() => loadAppConfig({ AISLE_ROLE: 'worker', NATS_URL: 'http://x' })).toThrow(
      /NATS_URL: NATS_URL must be nats:\/\/ or tls:\/\/ URLs/,
    );
  });

  it('needs NATS, PostgreSQL and an external broker for any role but all', () => {
    expect(() => loadAppConfig({ AISLE_ROLE: 'worker' })).toThrow(
      /NATS_URL: is required when AISLE_ROLE is "worker" \(not "all"\).*DATABASE_URL: is required.*MQTT_URL: is required/,
    );
  });
});

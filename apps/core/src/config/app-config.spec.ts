import { loadAppConfig } from './app-config.js';

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
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubMqttClientId, MQTT_CLIENT_ID_FILE } from './mqtt-client-id.js';

describe(hubMqttClientId.name, () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aisle-id-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('generates an id once per data folder and keeps it across restarts', async () => {
    const first = await hubMqttClientId({ AISLE_DATA_DIR: folder });
    const again = await hubMqttClientId({ AISLE_DATA_DIR: folder });
    const other = await hubMqttClientId({ AISLE_DATA_DIR: join(folder, 'other') });

    expect(first).toMatch(/^aisle-hub-[0-9a-f]{12}$/);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect((await readFile(join(folder, MQTT_CLIENT_ID_FILE), 'utf8')).trim()).toBe(first);
  });

  it('gives each process of a cluster its own id, and honours an explicit one', async () => {
    const a = await hubMqttClientId({ AISLE_DATA_DIR: folder, AISLE_INSTANCE: 'ingest-1' });
    const b = await hubMqttClientId({ AISLE_DATA_DIR: folder, AISLE_INSTANCE: 'ingest-2' });

    expect(a).not.toBe(b);
    expect(a.endsWith('-ingest-1')).toBe(true);
    expect(
      await hubMqttClientId({ AISLE_DATA_DIR: folder, AISLE_MQTT_CLIENT_ID: 'store-42-hub' }),
    ).toBe('store-42-hub');
  });
});

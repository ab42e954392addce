import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AppConfig } from './app-config.js';

/** The file in AISLE_DATA_DIR that keeps the generated id. */
export const MQTT_CLIENT_ID_FILE = 'mqtt-client-id';

/**
 * The hub's MQTT client id: AISLE_MQTT_CLIENT_ID, else an id generated on the first start and
 * kept in the data folder (so it survives restarts and differs between hubs on one broker), plus
 * `-<AISLE_INSTANCE>` so each process of a cluster sharing the folder has its own session.
 */
export async function hubMqttClientId(
  config: Pick<AppConfig, 'AISLE_MQTT_CLIENT_ID' | 'AISLE_INSTANCE' | 'AISLE_DATA_DIR'>,
): Promise<string> {
  const suffix = config.AISLE_INSTANCE ? `-${config.AISLE_INSTANCE}` : '';
  if (config.AISLE_MQTT_CLIENT_ID) return `${config.AISLE_MQTT_CLIENT_ID}${suffix}`;
  const folder = resolve(config.AISLE_DATA_DIR);
  const file = join(folder, MQTT_CLIENT_ID_FILE);
  let id: string;
  try {
    id = (await readFile(file, 'utf8')).trim();
  } catch {
    id = '';
  }
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(id)) {
    id = `aisle-hub-${randomBytes(6).toString('hex')}`;
    await mkdir(folder, { recursive: true });
    await writeFile(file, `${id}\n`);
  }
  return `${id}${suffix}`;
}

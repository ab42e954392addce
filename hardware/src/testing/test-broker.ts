import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';

export interface TestBroker {
  url: string;
  /** True when the broker is MQTT_URL's (shared: use unique topics and client ids). */
  external: boolean;
  close(): Promise<void>;
}

/** The broker from MQTT_URL when set (CI: Mosquitto), else an embedded one on a free port. */
export async function startTestBroker(): Promise<TestBroker> {
  const external = process.env['MQTT_URL'];
  if (external) return { url: external, external: true, close: async () => undefined };
  const broker = await startEmbeddedBroker({ port: 0 });
  return { url: broker.url, external: false, close: () => broker.close() };
}

/** A prefix no other test run uses, for topics and client ids on a shared broker. */
export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

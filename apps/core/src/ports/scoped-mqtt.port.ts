import type { MqttPort, Unsubscribe } from '@aisle/sdk';

/**
 * One driver's view of the hub's MQTT connection: every subscription it makes is remembered and
 * removed at teardown, even if the driver forgets.
 */
export function scopedMqttPort(shared: MqttPort): { port: MqttPort; cleanup: () => Promise<void> } {
  const active = new Set<Unsubscribe>();
  const port: MqttPort = {
    subscribe: async (filter, handler) => {
      const unsubscribe = await shared.subscribe(filter, handler);
      active.add(unsubscribe);
      return async () => {
        if (active.delete(unsubscribe)) await unsubscribe();
      };
    },
    publish: (topic, payload) => shared.publish(topic, payload),
  };
  return {
    port,
    cleanup: async () => {
      for (const unsubscribe of [...active]) {
        active.delete(unsubscribe);
        await unsubscribe();
      }
    },
  };
}

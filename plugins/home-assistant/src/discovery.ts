import type { StoreFigures } from '@aisle/sdk';

/** Where discovery and state messages go, and who publishes them. */
export interface DiscoveryTopics {
  discoveryPrefix: string;
  topicPrefix: string;
  nodeId: string;
  /** Version of this exporter, shown as the device's software version. */
  version: string;
}

/** A Home Assistant entity the exporter publishes: its discovery config and its state. */
export interface Entity {
  /** `<discoveryPrefix>/<component>/<nodeId>/<objectId>/config`, published retained. */
  configTopic: string;
  config: Record<string, unknown>;
  stateTopic: string;
  /** The state payload: a number, `ON`/`OFF`, or `null` (Home Assistant shows "unknown"). */
  state: string;
}

/** Unit of the people counts (Home Assistant has no device class for them). */
export const PEOPLE = 'people';

/** Home Assistant ids: letters, digits, `_` and `-` only. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

function numberState(value: number | null): string {
  return value === null ? 'null' : String(value);
}

export function availabilityTopic(topics: DiscoveryTopics): string {
  return `${topics.topicPrefix}/${topics.nodeId}/status`;
}

/**
 * The entities of one store, as Home Assistant MQTT discovery describes them: one device per
 * store; sensors for occupancy (store and each zone), footfall in and out today, the people
 * estimate and the device share; the number of the store's sensors online and a connectivity
 * binary sensor per sensor (hardware, never a shopper's device). Figures are aggregates the hub
 * already suppressed under the store's k; a suppressed one is published as `null`.
 */
export function storeEntities(figures: StoreFigures, topics: DiscoveryTopics): Entity[] {
  const store = slug(figures.storeId);
  const device = {
    identifiers: [`${topics.nodeId}_${store}`],
    name: figures.storeName,
    manufacturer: 'Aisle',
    model: 'In-store analytics (aggregates only)',
    sw_version: topics.version,
  };
  const shared = {
    availability_topic: availabilityTopic(topics),
    payload_available: 'online',
    payload_not_available: 'offline',
    device,
    origin: { name: 'Aisle home-assistant exporter', sw_version: topics.version },
  };
  const entity = (params: {
    component: 'sensor' | 'binary_sensor';
    object: string;
    name: string;
    state: string;
    extra: Record<string, unknown>;
  }): Entity => {
    const objectId = `${store}_${params.object}`;
    const stateTopic = `${topics.topicPrefix}/${topics.nodeId}/${store}/${params.object}`;
    return {
      configTopic: `${topics.discoveryPrefix}/${params.component}/${topics.nodeId}/${objectId}/config`,
      config: {
        name: params.name,
        unique_id: `${topics.nodeId}_${objectId}`,
        state_topic: stateTopic,
        ...params.extra,
        ...shared,
      },
      stateTopic,
      state: params.state,
    };
  };
  const count = (object: string, name: string, value: number | null, stateClass: string): Entity =>
    entity({
      component: 'sensor',
      object,
      name,
      state: numberState(value),
      extra: { unit_of_measurement: PEOPLE, state_class: stateClass, icon: 'mdi:account-group' },
    });
  const entities: Entity[] = [];
  for (const zone of figures.occupancy) {
    entities.push(
      zone.zoneId === null
        ? count('occupancy', 'Occupancy', zone.value, 'measurement')
        : count(
            `occupancy_${slug(zone.zoneId)}`,
            `Occupancy ${zone.name}`,
            zone.value,
            'measurement',
          ),
    );
  }
  entities.push(
    count('footfall_in_today', 'Footfall in today', figures.footfallInToday, 'total_increasing'),
    count('footfall_out_today', 'Footfall out today', figures.footfallOutToday, 'total_increasing'),
    count(
      'people_estimate_today',
      'People estimate today',
      figures.peopleEstimateToday,
      'measurement',
    ),
    entity({
      component: 'sensor',
      object: 'device_share',
      name: 'Device share',
      state: numberState(figures.deviceSharePercent),
      extra: {
        unit_of_measurement: '%',
        state_class: 'measurement',
        icon: 'mdi:cellphone-wireless',
      },
    }),
    entity({
      component: 'sensor',
      object: 'sensors_online',
      name: 'Sensors online',
      state: String(figures.sensors.filter((s) => s.available === true).length),
      extra: {
        unit_of_measurement: 'sensors',
        state_class: 'measurement',
        entity_category: 'diagnostic',
        icon: 'mdi:access-point-network',
      },
    }),
  );
  for (const sensor of figures.sensors) {
    entities.push(
      entity({
        component: 'binary_sensor',
        object: `sensor_${slug(sensor.sensorId)}`,
        name: `Sensor ${sensor.sensorId}`,
        state: sensor.available === null ? 'None' : sensor.available ? 'ON' : 'OFF',
        extra: {
          device_class: 'connectivity',
          payload_on: 'ON',
          payload_off: 'OFF',
          entity_category: 'diagnostic',
        },
      }),
    );
  }
  return entities;
}

/**
 * Home Assistant's MQTT discovery schema for the two components the exporter uses, as documented
 * (home-assistant.io: integrations/mqtt "Discovery messages", sensor.mqtt, binary_sensor.mqtt,
 * integrations/sensor "Device class", developers: sensor state classes). Returns every problem.
 */
const COMMON_KEYS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'default_entity_id',
  'device',
  'device_class',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'entity_picture',
  'expire_after',
  'force_update',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'qos',
  'state_topic',
  'unique_id',
  'value_template',
];
const KEYS: Record<string, ReadonlySet<string>> = {
  sensor: new Set([
    ...COMMON_KEYS,
    'last_reset_value_template',
    'options',
    'suggested_display_precision',
    'state_class',
    'unit_of_measurement',
  ]),
  binary_sensor: new Set([...COMMON_KEYS, 'off_delay', 'payload_off', 'payload_on']),
};
const DEVICE_KEYS = new Set([
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
]);
const ORIGIN_KEYS = new Set(['name', 'sw_version', 'support_url']);
/** integrations/sensor#device-class */
const SENSOR_DEVICE_CLASSES = new Set(
  (
    'apparent_power aqi area atmospheric_pressure battery blood_glucose_concentration carbon_dioxide ' +
    'carbon_monoxide conductivity current data_rate data_size date distance duration energy ' +
    'energy_distance energy_storage enum frequency gas humidity illuminance irradiance moisture ' +
    'monetary nitrogen_dioxide nitrogen_monoxide nitrous_oxide ozone ph pm1 pm10 pm25 power_factor ' +
    'power precipitation precipitation_intensity pressure reactive_energy reactive_power ' +
    'signal_strength sound_pressure speed sulphur_dioxide temperature timestamp ' +
    'volatile_organic_compounds volatile_organic_compounds_parts voltage volume volume_flow_rate ' +
    'volume_storage water weight wind_direction wind_speed'
  ).split(' '),
);
/** integrations/binary_sensor#device-class */
const BINARY_DEVICE_CLASSES = new Set(
  (
    'battery battery_charging carbon_monoxide cold connectivity door garage_door gas heat light ' +
    'lock moisture motion moving occupancy opening plug power presence problem running safety ' +
    'smoke sound tamper update vibration window'
  ).split(' '),
);
const STATE_CLASSES = new Set(['measurement', 'measurement_angle', 'total', 'total_increasing']);
/** `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, ids of [a-zA-Z0-9_-]. */
const ID = '[a-zA-Z0-9_-]+';

export function discoveryProblems(
  prefix: string,
  topic: string,
  payload: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const match = new RegExp(`^${prefix}/(sensor|binary_sensor)/(?:${ID}/)?${ID}/config$`).exec(
    topic,
  );
  const component = match?.[1];
  if (!component) return [`${topic}: not a discovery topic of a sensor or binary_sensor`];
  for (const key of Object.keys(payload)) {
    if (!KEYS[component]?.has(key)) problems.push(`${topic}: unknown option ${key}`);
  }
  if (typeof payload['state_topic'] !== 'string' || payload['state_topic'] === '') {
    problems.push(`${topic}: state_topic is required`);
  }
  if (typeof payload['unique_id'] !== 'string' || payload['unique_id'] === '') {
    problems.push(`${topic}: unique_id is required (the device registry needs it)`);
  }
  const device = payload['device'] as Record<string, unknown> | undefined;
  if (!device || typeof device !== 'object') problems.push(`${topic}: device is required`);
  else {
    for (const key of Object.keys(device)) {
      if (!DEVICE_KEYS.has(key)) problems.push(`${topic}: unknown device option ${key}`);
    }
    const ids = device['identifiers'];
    const hasIds =
      (typeof ids === 'string' && ids !== '') ||
      (Array.isArray(ids) && ids.length > 0 && ids.every((i) => typeof i === 'string'));
    if (!hasIds && !Array.isArray(device['connections'])) {
      problems.push(`${topic}: device needs identifiers or connections`);
    }
  }
  const origin = payload['origin'] as Record<string, unknown> | undefined;
  if (origin !== undefined) {
    if (typeof origin['name'] !== 'string') problems.push(`${topic}: origin.name is required`);
    for (const key of Object.keys(origin)) {
      if (!ORIGIN_KEYS.has(key)) problems.push(`${topic}: unknown origin option ${key}`);
    }
  }
  const deviceClass = payload['device_class'];
  const classes = component === 'sensor' ? SENSOR_DEVICE_CLASSES : BINARY_DEVICE_CLASSES;
  if (deviceClass !== undefined && deviceClass !== null && !classes.has(deviceClass as string)) {
    problems.push(
      `${topic}: device_class ${JSON.stringify(deviceClass)} is not a ${component} class`,
    );
  }
  if (component === 'sensor') {
    const stateClass = payload['state_class'];
    if (stateClass !== undefined && !STATE_CLASSES.has(stateClass as string)) {
      problems.push(`${topic}: state_class ${JSON.stringify(stateClass)} is not a state class`);
    }
    if (typeof payload['unit_of_measurement'] !== 'string') {
      problems.push(`${topic}: a numeric sensor needs unit_of_measurement`);
    }
    if (payload['entity_category'] !== undefined && payload['entity_category'] !== 'diagnostic') {
      problems.push(`${topic}: a sensor's entity_category must be diagnostic`);
    }
  }
  if (
    payload['availability_topic'] !== undefined &&
    typeof payload['availability_topic'] !== 'string'
  ) {
    problems.push(`${topic}: availability_topic must be a topic`);
  }
  return problems;
}

import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PluginConfigError, validatePlain } from '@aisle/sdk';

const toBool = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? !['false', '0', 'no', 'off', ''].includes(value.toLowerCase())
    : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/**
 * The hub's environment. Property initialisers are the defaults; `npm start` needs none of these.
 */
export class AppConfig {
  /** HTTP port of the API. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '127.0.0.1';

  /** PostgreSQL URL; when absent the embedded PGlite database under AISLE_DATA_DIR is used. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'DATABASE_URL must start with postgres:// or postgresql://',
  })
  DATABASE_URL?: string;

  @IsString()
  AISLE_DATA_DIR = './data';

  /** MQTT broker URL; when absent an embedded broker starts on MQTT_HOST:MQTT_PORT. */
  @IsOptional()
  @Matches(/^(mqtts?|wss?|tcp):\/\//, {
    message: 'MQTT_URL must start with mqtt://, mqtts://, ws:// or wss://',
  })
  MQTT_URL?: string;

  @IsString()
  MQTT_HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  MQTT_PORT = 1883;

  /** Runs the simulated demo store (default on; `AISLE_DEMO=false` turns it off). */
  @Transform(toBool)
  @IsBoolean()
  AISLE_DEMO = true;

  /** Seed of the demo simulator. */
  @Transform(toInt)
  @IsInt()
  AISLE_DEMO_SEED = 1;

  /** Config-as-code YAML file applied at start. */
  @IsOptional()
  @IsString()
  AISLE_CONFIG?: string;

  /** First admin key; when absent and no admin exists, one is generated and printed once. */
  @IsOptional()
  @IsString()
  AISLE_ADMIN_KEY?: string;

  /** Extra plugin folders (colon-separated), each holding `<domain>/aisle-plugin.json` folders. */
  @IsOptional()
  @IsString()
  AISLE_PLUGIN_DIRS?: string;

  /**
   * Webhook hosts exempt from the HTTPS rule and the private/loopback/link-local address check
   * (comma-separated names or IP literals, e.g. `127.0.0.1,localhost`). Empty in production.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.:_\-[\]]+(,[A-Za-z0-9.:_\-[\]]+)*$/, {
    message: 'AISLE_WEBHOOK_ALLOW_HOSTS must be comma-separated host names or IP addresses',
  })
  AISLE_WEBHOOK_ALLOW_HOSTS?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /**
   * The hub's MQTT client id: stable across restarts, so the broker keeps its session (and queues
   * for it while it is away). Default: an id generated once and kept in AISLE_DATA_DIR
   * (`mqtt-client-id`), plus `-<AISLE_INSTANCE>` when set.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'AISLE_MQTT_CLIENT_ID must be 1-64 letters, digits, dots, dashes or underscores',
  })
  AISLE_MQTT_CLIENT_ID?: string;

  /** This process's name within a cluster sharing one data folder (e.g. `ingest-2`). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, {
    message: 'AISLE_INSTANCE must be 1-32 letters, digits, dots, dashes or underscores',
  })
  AISLE_INSTANCE?: string;

  /** MQTT protocol with an external broker: 5 (session expiry, receive maximum) or 4 (3.1.1). */
  @Transform(toInt)
  @IsIn([4, 5])
  MQTT_PROTOCOL: 4 | 5 = 5;

  /** How long the broker keeps the hub's session (and queues for it) after a disconnect (MQTT 5). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  MQTT_SESSION_EXPIRY_S = 86_400;

  /** Unacknowledged QoS 1 messages the broker may send the hub at once (MQTT 5 receive maximum). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  MQTT_RECEIVE_MAXIMUM = 1000;

  /** Folder of the local spill file used while the database is down (default AISLE_DATA_DIR/spill). */
  @IsOptional()
  @IsString()
  AISLE_SPILL_DIR?: string;

  /** Size limit of the spill file, MB: beyond it observations are dropped (and counted). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AISLE_SPILL_MAX_MB = 1024;

  /** How long database writes must fail before observations go to the spill file, ms. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  AISLE_SPILL_AFTER_MS = 2000;
}

/** Reads the hub's configuration from an environment, reporting every bad variable at once. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'DATABASE_URL',
    'MQTT_URL',
    'AISLE_CONFIG',
    'AISLE_ADMIN_KEY',
    'AISLE_PLUGIN_DIRS',
    'AISLE_WEBHOOK_ALLOW_HOSTS',
    'AISLE_MQTT_CLIENT_ID',
    'AISLE_INSTANCE',
    'AISLE_SPILL_DIR',
  ]);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const { value, errors } = validatePlain(AppConfig, input);
  if (errors.length > 0) throw new PluginConfigError('invalid environment', errors);
  return value;
}

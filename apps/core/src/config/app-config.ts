import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PluginConfigError, validatePlain } from '@aisle/sdk';
import { DEFAULT_DATA_DIR } from './defaults.js';

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];
/** A word it cannot read stays a string, so `@IsBoolean` refuses it (`AISLE_DEMO=maybe`). */
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return value;
};
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
  AISLE_DATA_DIR = DEFAULT_DATA_DIR;

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
  @IsBoolean({ message: 'AISLE_DEMO must be true or false (also 1/0, yes/no, on/off)' })
  AISLE_DEMO = true;

  /**
   * A clean stop keeps open visits in `AISLE_DATA_DIR` and the next start goes on with them
   * (default on). Only a single process (`AISLE_ROLE=all`) does: in a chain a store may move to
   * another worker, so workers close their visits at a stop. `false`: a stop closes every visit.
   */
  @Transform(toBool)
  @IsBoolean({ message: 'AISLE_RESUME_VISITS must be true or false (also 1/0, yes/no, on/off)' })
  AISLE_RESUME_VISITS = true;

  /**
   * Visits whose first position comes this many seconds after the hub starts were already in
   * progress: followed, never counted (a restart adds no burst of visits). 0 counts every visit.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  AISLE_START_GRACE_SECONDS = 90;

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
   * Exporter plugins to run, as a JSON object of domain → configuration, e.g.
   * `{"home-assistant":{"discoveryPrefix":"homeassistant"}}`. Unset: no exporter runs.
   */
  @IsOptional()
  @Matches(/^\s*\{[\s\S]*\}\s*$/, {
    message: 'AISLE_EXPORTERS must be a JSON object of plugin domain → configuration',
  })
  AISLE_EXPORTERS?: string;

  /**
   * Webhook hosts exempt from the HTTPS rule and the private/loopback/link-local address check
   * (comma-separated names or IP literals, e.g. `127.0.0.1,localhost`). Empty in production.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9.:_\-[\]]+(,[A-Za-z0-9.:_\-[\]]+)*$/, {
    message: 'AISLE_WEBHOOK_ALLOW_HOSTS must be comma-separated host names or IP addresses',
  })
  AISLE_WEBHOOK_ALLOW_HOSTS?: string;

  /**
   * Webhook retry schedule: delay before each retry, comma-separated milliseconds. Unset: 5 s,
   * 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Shorter schedules are for tests and drills.
   */
  @IsOptional()
  @Matches(/^[1-9]\d*(,[1-9]\d*)*$/, {
    message: 'AISLE_WEBHOOK_RETRY_DELAYS_MS must be comma-separated positive milliseconds',
  })
  AISLE_WEBHOOK_RETRY_DELAYS_MS?: string;

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
  /** PostgreSQL schema (default: the connection's search path); processes of a chain share one. */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_SCHEMA must be a lower-case SQL identifier',
  })
  DATABASE_SCHEMA?: string;

  /**
   * What this process runs: `all` (default: everything in one process, hand-offs in memory), or a
   * comma-separated subset of `api` (HTTP API), `ingest` (drivers, gate, sighting writer; publishes
   * pseudonymised sightings) and `worker` (localisation, aggregation, occupancy of the stores it
   * owns). Anything but `all` needs NATS_URL, DATABASE_URL and MQTT_URL.
   */
  @Matches(/^(all|(api|ingest|worker)(,(api|ingest|worker))*)$/, {
    message: 'AISLE_ROLE must be "all" or a comma-separated subset of api, ingest, worker',
  })
  AISLE_ROLE = 'all';

  /** NATS server(s) with JetStream, comma-separated; used when AISLE_ROLE is not `all`. */
  @IsOptional()
  @Matches(/^(nats|tls):\/\/[^,\s]+(,(nats|tls):\/\/[^,\s]+)*$/, {
    message: 'NATS_URL must be nats:// or tls:// URLs, comma-separated',
  })
  NATS_URL?: string;

  /** Prefix of every bus subject and stream: chains (or tests) sharing one NATS use different ones. */
  @Matches(/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/, {
    message: 'AISLE_BUS_PREFIX must be lower-case words joined by dots',
  })
  AISLE_BUS_PREFIX = 'aisle';

  /** This worker's id among the live workers (default: host name and process id). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,40}$/, {
    message: 'AISLE_WORKER_ID must be 1-40 letters, digits or _.:-',
  })
  AISLE_WORKER_ID?: string;
}

export type AisleRole = 'api' | 'ingest' | 'worker';

/** The roles of a process, and whether its hand-offs go over the bus. */
export interface ProcessRoles {
  api: boolean;
  ingest: boolean;
  worker: boolean;
  /** Hand-offs over NATS JetStream (AISLE_ROLE is not `all`). */
  distributed: boolean;
}

export function rolesOf(config: Pick<AppConfig, 'AISLE_ROLE'>): ProcessRoles {
  if (config.AISLE_ROLE === 'all') {
    return { api: true, ingest: true, worker: true, distributed: false };
  }
  const roles = new Set(config.AISLE_ROLE.split(','));
  return {
    api: roles.has('api'),
    ingest: roles.has('ingest'),
    worker: roles.has('worker'),
    distributed: true,
  };
}

/** Reads the hub's configuration from an environment, reporting every bad variable at once. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'DATABASE_URL',
    'MQTT_URL',
    'AISLE_CONFIG',
    'AISLE_ADMIN_KEY',
    'AISLE_PLUGIN_DIRS',
    'AISLE_EXPORTERS',
    'AISLE_WEBHOOK_ALLOW_HOSTS',
    'AISLE_WEBHOOK_RETRY_DELAYS_MS',
    'AISLE_MQTT_CLIENT_ID',
    'AISLE_INSTANCE',
    'AISLE_SPILL_DIR',
    'DATABASE_SCHEMA',
    'NATS_URL',
    'AISLE_WORKER_ID',
  ]);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const { value, errors } = validatePlain(AppConfig, input);
  if (value.AISLE_EXPORTERS !== undefined && errors.every((e) => e.field !== 'AISLE_EXPORTERS')) {
    try {
      JSON.parse(value.AISLE_EXPORTERS);
    } catch (error) {
      errors.push({
        field: 'AISLE_EXPORTERS',
        value: value.AISLE_EXPORTERS,
        message: `is not JSON: ${(error as Error).message}`,
      });
    }
  }
  if (errors.length === 0 && value.AISLE_ROLE !== 'all') {
    // A process of a chain hands off over the bus and shares the chain's database.
    // MQTT_URL too: a second process cannot start the embedded broker on the same port.
    for (const needed of ['NATS_URL', 'DATABASE_URL', 'MQTT_URL'] as const) {
      if (value[needed] === undefined) {
        errors.push({
          field: needed,
          value: undefined,
          message: `is required when AISLE_ROLE is "${value.AISLE_ROLE}" (not "all")`,
        });
      }
    }
  }
  if (errors.length > 0) throw new PluginConfigError('invalid environment', errors);
  return value;
}

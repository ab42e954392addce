import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { MqttClientPort } from '@aisle/hardware';
import type { Clock } from '@aisle/sdk';
import type { AppConfig } from '../config/app-config.js';

/** The validated environment ({@link AppConfig}). */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** The root pino logger (redacting). */
export const LOGGER = Symbol('LOGGER');
/** The hub's {@link Clock} (a fake one in tests). */
export const CLOCK = Symbol('CLOCK');
/** The hub's MQTT client ({@link MqttClientPort}). */
export const MQTT = Symbol('MQTT');
/** The hub's broker URL (`mqtt://…`), for plugins that open their own connection. */
export const BROKER_URL = Symbol('BROKER_URL');
/** Where plugins are found and how they are loaded ({@link PluginOptions}). */
export const PLUGIN_OPTIONS = Symbol('PLUGIN_OPTIONS');

export interface PluginOptions {
  pluginDirs: string[];
  /** Load plugins from `src/index.ts` (tests, which run TypeScript directly). */
  preferSource: boolean;
  nodeModules: string;
}

/** What `bootstrap.ts` opens before Nest starts: environment, database, broker. */
export interface Platform {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  dataSource: DataSource;
  mqtt: MqttClientPort;
  mqttUrl: string;
  plugins: PluginOptions;
}

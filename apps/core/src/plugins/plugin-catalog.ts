import type { FieldError } from '@aisle/sdk';

/** What the API needs to know about installed plugins (implemented by the plugin host). */
export interface PluginCatalog {
  /** True when a loaded driver plugin has this domain. */
  hasDriver(domain: string): boolean;
  /** Domains of all loaded driver plugins. */
  driverDomains(): string[];
  /**
   * Validates a sensor's plugin configuration against the plugin's schema; returns every error,
   * with fields prefixed `config.` (empty when valid).
   */
  validateSensorConfig(domain: string, config: unknown): FieldError[];
  /**
   * Fields of the plugin's configuration marked `@Secret()` (write-only: masked in responses);
   * undefined when no loaded driver plugin has this domain, so nothing is known to be harmless.
   */
  secretConfigFields(domain: string): readonly string[] | undefined;
  /** The sensor kinds a plugin declares (`wifi`, `ble`, `camera`); empty when unknown. */
  sensorKindsOf(domain: string): readonly string[];
}

export const PLUGIN_CATALOG = Symbol('PLUGIN_CATALOG');

import type { SensorCalibration } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import type { PluginCatalog } from '../../plugins/plugin-catalog.js';
import { ensurePrefixed } from '../common/field-prefix.js';
import { pointErrors, type FloorPlan } from '../common/floor-plan.js';

/** Highest mounting height, metres: 20 m covers warehouse-style halls and atriums. */
export const MAX_SENSOR_HEIGHT_M = 20;
/** Mounting height when none is given: a typical suspended ceiling (also the column default). */
export const DEFAULT_SENSOR_HEIGHT_M = 2.5;

export interface SensorInput {
  id: string;
  /** Domain of the driver plugin (`aisle-mqtt`, `wifi-sniffer`). */
  domain: string;
  name?: string | null;
  x: number;
  y: number;
  z?: number;
  calibration?: SensorCalibration;
  config?: Record<string, unknown>;
  enabled?: boolean;
}

export type SensorFields = Omit<SensorInput, 'id'>;

/**
 * Rules beyond the DTO's: position inside the floor plan, a loaded driver plugin for the domain,
 * and the plugin's own validation of `config` (fields `config.…`).
 */
export function sensorErrors(
  sensor: Pick<SensorInput, 'domain' | 'x' | 'y' | 'config'>,
  floor: FloorPlan,
  catalog: PluginCatalog,
): FieldError[] {
  const errors = pointErrors({ x: sensor.x, y: sensor.y }, floor, '');
  if (!catalog.hasDriver(sensor.domain)) {
    const available = catalog.driverDomains();
    errors.push({
      field: 'domain',
      value: sensor.domain,
      message:
        'must be the domain of a loaded driver plugin; ' +
        (available.length > 0
          ? `available: ${[...available].sort().join(', ')}`
          : 'none is loaded'),
    });
  } else {
    errors.push(
      ...ensurePrefixed('config', catalog.validateSensorConfig(sensor.domain, sensor.config ?? {})),
    );
  }
  return errors;
}

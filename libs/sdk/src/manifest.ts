import semver from 'semver';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MinLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { PORT_NAMES, type PortName } from './ports.js';
import { SENSOR_KINDS, type SensorKind } from './observation.js';
import type { FieldError } from './errors.js';
import { validatePlain } from './validation.js';

/** Version of this SDK; manifests declare a semver range (`"sdk": "^1.0.0"`) it must satisfy. */
export const SDK_VERSION = '1.0.0';

export const MANIFEST_FILE = 'aisle-plugin.json';

/** How the plugin talks to its hardware, as in Home Assistant's iot_class. */
export const IOT_CLASSES = [
  'local_push',
  'local_polling',
  'cloud_push',
  'cloud_polling',
  'calculated',
] as const;
export type IotClass = (typeof IOT_CLASSES)[number];

export const PLUGIN_KINDS = ['driver', 'policy'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

function IsSemver(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSemver',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a semantic version like 1.2.3`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && semver.valid(v) !== null },
    });
}

function IsSemverRange(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSemverRange',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a semver range like ^1.0.0`, ...options },
      validator: {
        validate: (v: unknown) => typeof v === 'string' && semver.validRange(v) !== null,
      },
    });
}

/** `plugins/<domain>/aisle-plugin.json`. */
export class PluginManifest {
  /** Folder name = domain: lower-case words joined by dashes. */
  @Matches(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, {
    message: 'domain must be lower-case letters, digits and dashes, starting with a letter',
  })
  domain!: string;

  @IsString()
  @MinLength(3)
  name!: string;

  @IsSemver()
  version!: string;

  /** SDK versions the plugin works with. */
  @IsSemverRange()
  sdk!: string;

  @IsIn(PLUGIN_KINDS)
  kind!: PluginKind;

  @IsArray()
  @ArrayUnique()
  @IsIn(SENSOR_KINDS, { each: true })
  sensorKinds: SensorKind[] = [];

  @IsIn(IOT_CLASSES)
  iotClass!: IotClass;

  /** npm packages the plugin needs, as `name` or `name@range`; each must be in its package.json. */
  @IsArray()
  @Matches(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*(@.+)?$/, {
    each: true,
    message: 'each requirement must be an npm package name, optionally with @range',
  })
  requirements: string[] = [];

  /** Other plugin domains that must load first. */
  @IsArray()
  @IsString({ each: true })
  dependencies: string[] = [];

  /** Hardware ports the plugin uses; only these are given to it. */
  @IsArray()
  @ArrayUnique()
  @IsIn(PORT_NAMES, { each: true })
  ports: PortName[] = [];

  /** Path of the plugin's README, relative to its folder. */
  @IsString()
  documentation!: string;

  @IsArray()
  @IsString({ each: true })
  codeowners: string[] = [];

  /** Module that exports the plugin, relative to its folder. */
  @IsOptional()
  @IsString()
  entry = 'dist/index.js';
}

export interface ManifestCheck {
  manifest: PluginManifest;
  errors: FieldError[];
}

/**
 * Validates a manifest, reporting every problem at once: field rules, the folder name, the
 * declared SDK range against this SDK, and kind-specific rules.
 */
export function validateManifest(input: unknown, options: { folder?: string } = {}): ManifestCheck {
  const { value: manifest, errors } = validatePlain(PluginManifest, input);
  if (
    options.folder !== undefined &&
    typeof manifest.domain === 'string' &&
    manifest.domain !== options.folder
  ) {
    errors.push({
      field: 'domain',
      value: manifest.domain,
      message: `domain must equal the plugin's folder name "${options.folder}"`,
    });
  }
  if (typeof manifest.sdk === 'string' && semver.validRange(manifest.sdk) !== null) {
    if (!semver.satisfies(SDK_VERSION, manifest.sdk)) {
      errors.push({
        field: 'sdk',
        value: manifest.sdk,
        message: `this hub provides SDK ${SDK_VERSION}, which the range does not include`,
      });
    }
  }
  if (
    manifest.kind === 'driver' &&
    Array.isArray(manifest.sensorKinds) &&
    manifest.sensorKinds.length === 0
  ) {
    errors.push({
      field: 'sensorKinds',
      value: manifest.sensorKinds,
      message: 'a driver must declare at least one sensor kind',
    });
  }
  return { manifest, errors };
}

import 'reflect-metadata';
import semver from 'semver';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MinLength,
  ValidateNested,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { PORT_NAMES, type PortName } from './ports.js';
import { SENSOR_KINDS, type SensorKind } from './observation.js';
import type { FieldError } from './errors.js';
import { validatePlain } from './validation.js';

/**
 * Version of this SDK (= the version in its package.json; see CHANGELOG.md). Manifests declare a
 * semver range (`"sdk": "^1.2.0"`) it must satisfy, or the hub refuses the plugin.
 */
export const SDK_VERSION = '1.2.0';

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

export const PLUGIN_KINDS = ['driver', 'policy', 'exporter'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/**
 * Quality tiers (docs/plugins.md defines them; `aisle plugins check` enforces them): bronze —
 * builds, loads, README sections, tests; silver — plus recorded samples its own decoder reads and
 * every config field documented; gold — plus diagnostics (availability) and reconnect behaviour.
 */
export const QUALITY_TIERS = ['bronze', 'silver', 'gold'] as const;
export type QualityTier = (typeof QUALITY_TIERS)[number];

/** A recorded input shipped with the plugin, and the decoder format that reads it. */
export class ManifestSample {
  /** Path relative to the plugin folder. */
  @IsString()
  @MinLength(1)
  path!: string;

  /** A format of the plugin's own `decoders`. */
  @IsString()
  @MinLength(1)
  format!: string;
}

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

  /** Node built-in modules the plugin's code imports (`node:fs`, `node:crypto`…); nothing else is allowed. */
  @IsArray()
  @Matches(/^node:[a-z_]+(\/[a-z_]+)*$/, {
    each: true,
    message: 'each built-in must be written node:<module>, e.g. node:fs',
  })
  builtins: string[] = [];

  /** Recorded inputs (captures, payload files) that the plugin's own decoders read. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ManifestSample)
  samples: ManifestSample[] = [];

  /** Quality tier the plugin claims; `aisle plugins check` verifies it. */
  @IsIn(QUALITY_TIERS)
  quality: QualityTier = 'bronze';

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
        message: `the plugin needs SDK ${manifest.sdk} but this hub provides SDK ${SDK_VERSION}: install a plugin version built for SDK ${semver.major(SDK_VERSION)}.x or a hub whose SDK the range includes`,
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

import {
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { Secret } from '@aisle/sdk';

/** Where one sensor's counts come from. */
export const SOURCES = ['frigate', 'push', 'poll'] as const;
export type CounterSource = (typeof SOURCES)[number];

/** An MQTT topic prefix: levels without wildcards, no leading or trailing slash. */
const TOPIC_PREFIX = /^[^+#/\s]+(?:\/[^+#/\s]+)*$/;
/** An Aisle line or zone id as the gate accepts it (letters, digits, `-`, `_`, `.`, `:`). */
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** A Frigate zone name as a topic level: no MQTT wildcards, separators or spaces. */
const FRIGATE_ZONE = /^[^+#/\s]{1,64}$/;

/** Shortest accepted push token: 16 characters of a random secret. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * What the chosen source needs (zones, a token, a URL), checked with the rest of the
 * configuration so that the API refuses it up front. Reported on `source` so that a secret (a
 * token, a URL with credentials) is never quoted back.
 */
@ValidatorConstraint({ name: 'sourceRequirements' })
class SourceRequirements implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return sourceProblems(args.object as CameraCounterConfig).length === 0;
  }

  defaultMessage(args: ValidationArguments): string {
    return sourceProblems(args.object as CameraCounterConfig).join('; ');
  }
}

/** Each Frigate zone name and Aisle zone id of `zones` well-formed. */
@ValidatorConstraint({ name: 'zoneMap' })
class ZoneMap implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return zoneProblems(value).length === 0;
  }

  defaultMessage(args: ValidationArguments): string {
    return zoneProblems(args.value).join('; ');
  }
}

/** Problems of `zones` (an object already): names and ids. */
export function zoneProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const problems: string[] = [];
  for (const [frigate, zone] of Object.entries(value as Record<string, unknown>)) {
    if (!FRIGATE_ZONE.test(frigate)) {
      problems.push(
        `zones: Frigate zone names must be 1-64 characters without /, +, # or spaces (got ${JSON.stringify(frigate.slice(0, 70))})`,
      );
    } else if (typeof zone !== 'string' || !ID.test(zone)) {
      problems.push(
        `zones.${frigate} must be an Aisle zone id: 1-64 letters, digits, -, _, . or :`,
      );
    }
  }
  return problems;
}

/** What the configured source lacks, in words that quote no secret. */
export function sourceProblems(config: CameraCounterConfig): string[] {
  const problems: string[] = [];
  switch (config.source) {
    case 'frigate':
      if (
        config.zones === null ||
        typeof config.zones !== 'object' ||
        Object.keys(config.zones).length === 0
      ) {
        problems.push(
          'source "frigate" needs zones: map at least one Frigate zone to an Aisle zone',
        );
      }
      break;
    case 'push': {
      const token = typeof config.pushToken === 'string' ? config.pushToken : '';
      const digest = typeof config.pushTokenSha256 === 'string' ? config.pushTokenSha256 : '';
      if (token !== '' && digest !== '') {
        problems.push('source "push" takes either pushToken or pushTokenSha256, not both');
      } else if (digest === '' && token.length < MIN_TOKEN_LENGTH) {
        problems.push(
          `source "push" needs pushToken, a shared secret of at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}), or pushTokenSha256`,
        );
      }
      break;
    }
    case 'poll': {
      let url: URL | undefined;
      try {
        url = new URL(String(config.pollUrl));
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        problems.push(
          'source "poll" needs pollUrl, an http:// or https:// URL of the live-sum endpoint',
        );
      } else if (url.username !== '' || url.password !== '') {
        problems.push(
          'source "poll": pollUrl must not hold credentials; use pollUsername and pollPassword',
        );
      }
      break;
    }
    default:
      break; // an unknown source is @IsIn's to report
  }
  return problems;
}

/** Configuration of one camera-counter sensor. Property initialisers are the defaults. */
export class CameraCounterConfig {
  /**
   * `frigate`: Frigate's MQTT events and per-zone person counts; `push`: an Axis-style line
   * counter that POSTs per-interval counts to the hub; `poll`: the hub polls a line counter's
   * live-sum endpoint.
   */
  @IsIn(SOURCES, { message: 'source must be one of frigate, push, poll' })
  @Validate(SourceRequirements)
  source: CounterSource = 'frigate';

  /**
   * Seconds without valid input before the sensor is unavailable. 180 s is three missed Frigate
   * `stats` messages (published every 60 s by default) or three missed one-minute reports: one
   * lost message does not flap the sensor, a dead one shows within three minutes.
   */
  @IsInt()
  @Min(10)
  @Max(86_400)
  unavailableAfterSeconds = 180;

  /**
   * Reports stamped further than this into the hub's future are rejected (`clock_skew`). 300 s
   * matches the gate's default tolerance; a device whose clock is worse needs NTP, not slack.
   */
  @IsInt()
  @Min(0)
  @Max(3_600)
  maxClockSkewSeconds = 300;

  // --- Frigate ---------------------------------------------------------------------------------

  /** Frigate's MQTT `topic_prefix` (Frigate's default is `frigate`). */
  @IsString()
  @Matches(TOPIC_PREFIX, {
    message:
      'frigateTopicPrefix must be an MQTT topic prefix without wildcards or slashes at the ends',
  })
  frigateTopicPrefix = 'frigate';

  /** Frigate camera names whose events count for this sensor; empty: every camera. */
  @IsArray()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  frigateCameras: string[] = [];

  /**
   * Frigate zone name → Aisle zone id. Only mapped zones count; several Frigate zones may map to
   * one Aisle zone (a person moving between them neither enters nor leaves it).
   */
  @IsObject()
  @Validate(ZoneMap)
  zones: Record<string, string> = {};

  // --- line counters (push and poll) -----------------------------------------------------------

  /** Aisle line id the counter's in/out figures are for. */
  @IsString()
  @Matches(ID, { message: 'lineId must be 1-64 letters, digits, -, _, . or :' })
  lineId = 'entrance';

  /**
   * The device's serial number; when set, reports naming another serial are rejected
   * (`wrong_serial`). Axis serials are the device's MAC address: never logged or emitted.
   */
  @IsString()
  @MaxLength(64)
  serial = '';

  /**
   * Minutes east of UTC of the device clock, for timestamps without a zone (Axis writes local
   * time as `YYYYMMDDhhmmss`). ISO 8601 timestamps with an offset ignore it.
   */
  @IsInt()
  @Min(-14 * 60)
  @Max(14 * 60)
  deviceUtcOffsetMinutes = 0;

  /**
   * Push: the shared secret the device sends (`Authorization: Bearer …` or `X-Aisle-Token`).
   * Write-only: the API shows it as `***`.
   */
  @Secret()
  @IsString()
  @MaxLength(256)
  pushToken = '';

  /**
   * Push: instead of `pushToken`, the SHA-256 of the token as 64 hex digits, so that the secret
   * itself is not kept in (and shown with) the sensor's configuration.
   */
  @IsString()
  @Matches(/^(?:[0-9a-fA-F]{64})?$/, {
    message: 'pushTokenSha256 must be empty or 64 hex digits (the SHA-256 of the push token)',
  })
  pushTokenSha256 = '';

  /** Push: length of a counting interval when a report does not give its own `interval`, s. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  intervalSeconds = 60;

  /**
   * Push: reports of intervals that started longer ago than this are rejected (`too_late`). 48 h
   * lets a device that was offline over a weekend night catch up, and bounds the memory that
   * remembers which intervals were counted.
   */
  @IsInt()
  @Min(1)
  @Max(168)
  maxReportAgeHours = 48;

  /** Poll: the live-sum URL (Axis: `http://<device>/local/pcounter/live_sum.cgi`). */
  @IsString()
  @MaxLength(2_048)
  pollUrl = '';

  /** Poll: seconds between polls while the device answers. */
  @IsInt()
  @Min(1)
  @Max(3_600)
  pollIntervalSeconds = 60;

  /** Poll: a request that has not answered after this many seconds failed. */
  @IsInt()
  @Min(1)
  @Max(60)
  pollTimeoutSeconds = 10;

  /**
   * Poll: after failures the delay doubles from `pollIntervalSeconds` up to this many seconds
   * (600 s: a device back from a reboot is counted again within ten minutes).
   */
  @IsInt()
  @Min(1)
  @Max(86_400)
  maxBackoffSeconds = 600;

  /** Poll: HTTP Basic credentials, if the device wants them. */
  @IsString()
  @MaxLength(256)
  pollUsername = '';

  /** Write-only: the API shows it as `***`. */
  @Secret()
  @IsString()
  @MaxLength(256)
  pollPassword = '';
}

export const ID_PATTERN = ID;

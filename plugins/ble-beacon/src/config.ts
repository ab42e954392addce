// class-transformer's @Type reads decorator metadata.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ReferenceBeacon } from '@aisle/sdk';

export { ReferenceBeacon };

export const SOURCES = ['bluez', 'espresense', 'theengs'] as const;
export type Source = (typeof SOURCES)[number];

/** A BlueZ adapter name (`hci0`, `hci1`…), as BlueZ's object path `/org/bluez/<name>`. */
const ADAPTER = /^hci\d{1,3}$/;
/** One topic level, or `{sensor}` / `{store}` placeholders; no wildcards, no slashes. */
const LEVEL = /^(?:[^+#{}/]|\{store\}|\{sensor\})+$/;
/** A topic prefix of one or more levels without wildcards. */
const PREFIX = /^(?:[^+#{}]|\{store\}|\{sensor\})+$/;
/** A topic whose only wildcard is the last level `+` (the device address), e.g. `home/gw/BTtoMQTT/+`. */
const THEENGS_TOPIC = /^(?:[^+#{}]|\{store\}|\{sensor\})+\/\+$/;

/** Configuration of one BLE sensor. Property initialisers are the defaults. */
export class BleBeaconConfig {
  /**
   * Where advertisements come from: `bluez` (this host's Bluetooth adapter), `espresense` (one
   * ESPresense node = this sensor) or `theengs` (one Theengs Gateway / OpenMQTTGateway = this sensor).
   */
  @IsIn(SOURCES, { message: `source must be one of ${SOURCES.join(', ')}` })
  source: Source = 'bluez';

  /** `bluez`: the adapter to scan with. */
  @IsString()
  @Matches(ADAPTER, { message: 'adapter must be a BlueZ adapter name like hci0' })
  adapter = 'hci0';

  /** `espresense`: topic prefix of the ESPresense nodes (their `mqtt.prefix`, default `espresense`). */
  @IsString()
  @Matches(PREFIX, { message: 'espresensePrefix must be MQTT topic levels without wildcards' })
  espresensePrefix = 'espresense';

  /** `espresense`: the node's room name (the last topic level); `{sensor}` is the sensor id. */
  @IsString()
  @Matches(LEVEL, { message: 'room must be one MQTT topic level without wildcards or /' })
  room = '{sensor}';

  /**
   * `theengs`: the gateway's topic, ending in `/+` (the device address level). Theengs Gateway
   * publishes on `home/TheengsGateway/BTtoMQTT/<MAC>`, OpenMQTTGateway on
   * `home/<gateway name>/BTtoMQTT/<MAC>`; `{sensor}` is the sensor id.
   */
  @IsString()
  @Matches(THEENGS_TOPIC, {
    message: 'theengsTopic must be an MQTT topic ending in /+ with no other wildcard',
  })
  theengsTopic = 'home/{sensor}/BTtoMQTT/+';

  /**
   * Seconds without a valid advertisement before the sensor counts as unavailable. A scanner in a
   * shop hears beacons and phones every second (reference beacons advertise at ≥ 1 Hz, ESPresense
   * reports each device at least every few seconds): 60 s of silence is a dead adapter or node,
   * while a quiet minute at opening does not flap it more than once.
   */
  @IsInt()
  @Min(10)
  @Max(86_400)
  unavailableAfterSeconds = 60;

  /** The store's reference beacons (known positions, for calibration); see README. */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReferenceBeacon)
  referenceBeacons: ReferenceBeacon[] = [];
}

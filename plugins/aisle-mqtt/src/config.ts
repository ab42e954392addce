// class-transformer's @Type reads decorator metadata.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ReferenceBeacon } from '@aisle/sdk';

export { ReferenceBeacon };

/** Topic levels may hold `{store}` and `{sensor}`; wildcards are not allowed (one sensor per topic). */
const TOPIC = /^(?:[^+#{}]|\{store\}|\{sensor\})+$/;
/** The same, or empty (no status topic). */
const OPTIONAL_TOPIC = /^(?:[^+#{}]|\{store\}|\{sensor\})*$/;

/** Configuration of one sensor driven by aisle-mqtt. Property initialisers are the defaults. */
export class AisleMqttConfig {
  /**
   * Topic the sensor publishes its observation batches on. `{store}` and `{sensor}` are replaced by
   * the sensor's store id and id.
   */
  @IsString()
  @Matches(TOPIC, {
    message:
      'topic must be an MQTT topic without wildcards (+, #); {store} and {sensor} are the only placeholders',
  })
  topic = 'aisle/{store}/{sensor}/observations';

  /**
   * Topic of the sensor's retained `online`/`offline` status (its last will): `offline` marks the
   * sensor unavailable at once instead of after the timeout. Empty: not watched.
   */
  @IsString()
  @Matches(OPTIONAL_TOPIC, {
    message:
      'statusTopic must be empty or an MQTT topic without wildcards (+, #); {store} and {sensor} are the only placeholders',
  })
  statusTopic = 'aisle/{store}/{sensor}/status';

  /**
   * Seconds without a valid batch before the sensor counts as unavailable. 120 s is four missed
   * 30 s heartbeats (sensors publish at least an empty batch every 30 s): one lost message or a
   * broker restart does not flap the sensor, a dead one shows within two minutes.
   */
  @IsInt()
  @Min(10)
  @Max(86_400)
  unavailableAfterSeconds = 120;

  /**
   * Most observations accepted in one batch (larger batches are rejected whole). 1000 is the
   * format's documented limit: a busy sensor's second at ~100 KB per message.
   */
  @IsInt()
  @Min(1)
  @Max(10_000)
  maxBatch = 1000;

  /** The store's reference beacons this sensor may hear (known positions, for calibration). */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ReferenceBeacon)
  referenceBeacons: ReferenceBeacon[] = [];
}

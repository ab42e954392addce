import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** Configuration of one __TITLE__ sensor. Property initialisers are the defaults. */
export class __PASCAL__Config {
  /** MQTT topic filter the counter publishes its counts on (`+` and `#` wildcards allowed). */
  @IsString()
  @MinLength(1)
  topic = '__DOMAIN__/+/counts';

  /** Seconds without a message before the sensor is reported unavailable. */
  @IsInt()
  @Min(10)
  @Max(3600)
  unavailableAfterSeconds = 120;
}

import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Secret } from '@aisle/sdk';

/** One or more MQTT topic levels without wildcards. */
const TOPIC_PREFIX = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
/** Home Assistant's rule for the node and object ids of a discovery topic. */
const NODE_ID = /^[A-Za-z0-9_-]+$/;

/** Configuration of the Home Assistant exporter. Property initialisers are the defaults. */
export class HomeAssistantConfig {
  /** Home Assistant's discovery prefix (its MQTT integration setting; `homeassistant` by default). */
  @IsString()
  @Matches(TOPIC_PREFIX, { message: 'discoveryPrefix must be MQTT topic levels without wildcards' })
  discoveryPrefix = 'homeassistant';

  /** State and availability topics go below `<topicPrefix>/<nodeId>/`. */
  @IsString()
  @Matches(TOPIC_PREFIX, { message: 'topicPrefix must be MQTT topic levels without wildcards' })
  topicPrefix = 'aisle';

  /** Names this hub in topics and unique ids (two hubs on one broker need two node ids). */
  @IsString()
  @Matches(NODE_ID, { message: 'nodeId must be letters, digits, _ and - only' })
  nodeId = 'aisle';

  /** Broker URL; empty: the hub's own broker. */
  @IsOptional()
  @IsString()
  @Matches(/^(mqtts?|wss?|tcp):\/\/.+/, {
    message: 'mqttUrl must be an mqtt://, mqtts://, ws:// or wss:// URL',
  })
  mqttUrl?: string;

  @IsOptional()
  @IsString()
  username?: string;

  @IsOptional()
  @IsString()
  @Secret()
  password?: string;

  /** Seconds between two readings of the figures when no event asks for one sooner. */
  @IsInt()
  @Min(5)
  @Max(3600)
  refreshSeconds = 60;
}

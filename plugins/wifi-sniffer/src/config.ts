import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { Secret } from '@aisle/sdk';

export const SOURCES = ['capture', 'esp32', 'meraki'] as const;
export type Source = (typeof SOURCES)[number];

/** Configuration of one Wi-Fi sniffer sensor. Property initialisers are the defaults. */
export class WifiSnifferConfig {
  /**
   * Where probe requests come from: `capture` (a monitor-mode interface or a pcap/pcapng file),
   * `esp32` (an ESP32 sniffer's MQTT batches, hardware/esp32-sniffer.md) or `meraki` (Meraki
   * Scanning API v3 pushing to the hub).
   */
  @IsIn(SOURCES)
  source: Source = 'capture';

  /** Monitor-mode interface to capture on (`capture`); exclusive with `file`. */
  @ValidateIf((c: WifiSnifferConfig) => c.source === 'capture' && c.file === undefined)
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,15}$/, {
    message: 'interface must be an interface name (1-15 of A-Z a-z 0-9 _ . : -)',
  })
  interface?: string;

  /** Capture file to replay once (`capture`), pcap or pcapng. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  file?: string;

  /** Topic of the ESP32 batches; `{store}` and `{sensor}` are filled in. */
  @IsString()
  @Matches(/^(?:[^+#{}]|\{store\}|\{sensor\})+$/, {
    message:
      'topic must be an MQTT topic without wildcards; {store} and {sensor} are the only placeholders',
  })
  topic = 'aisle/{store}/{sensor}/esp32';

  /**
   * Meraki: the shared secret configured in the dashboard (checked in constant time). Write-only:
   * the API shows it as `***`.
   */
  @Secret()
  @ValidateIf((c: WifiSnifferConfig) => c.source === 'meraki')
  @IsString()
  @MinLength(8, { message: 'merakiSecret must be at least 8 characters' })
  merakiSecret?: string;

  /** Meraki: the validator string the dashboard shows, answered on GET. */
  @ValidateIf((c: WifiSnifferConfig) => c.source === 'meraki')
  @IsString()
  @MinLength(1)
  merakiValidator?: string;

  /** Meraki: AP MAC → Aisle sensor id, so each RSSI record is attributed to the AP that heard it. */
  @IsOptional()
  @IsObject()
  apSensors?: Record<string, string>;

  /** Largest Meraki body accepted, bytes (1 MiB: a few thousand clients). */
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  maxBodyBytes = 1024 * 1024;
}

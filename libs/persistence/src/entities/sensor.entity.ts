import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export interface SensorCalibration {
  /** RSSI at 1 m, dBm. */
  measuredPower?: number;
  /** Log-distance path-loss exponent. */
  pathLossExponent?: number;
  /** Receiver offset, dB. */
  offset?: number;
}

@Entity({ name: 'sensors' })
@Index(['storeId'])
export class SensorEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** Plugin domain that drives this sensor (`wifi-sniffer`, `aisle-mqtt`). */
  @Column({ type: 'text' })
  domain!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'double precision' })
  x!: number;

  @Column({ type: 'double precision' })
  y!: number;

  @Column({ type: 'double precision', default: 2.5 })
  z!: number;

  @Column({ type: 'jsonb', default: {} })
  calibration!: SensorCalibration;

  /** Plugin configuration, validated by the plugin's config schema on write. */
  @Column({ type: 'jsonb', default: {} })
  config!: Record<string, unknown>;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A sighting after the gate. There is deliberately no column that could hold a raw identifier:
 * `subject` is the keyed pseudonym. Indexed by store and time; written in batches.
 */
@Entity({ name: 'sightings' })
@Index('sightings_store_at', ['storeId', 'at'])
export class SightingEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', name: 'store_id' })
  storeId!: string;

  @Column({ type: 'text', name: 'sensor_id' })
  sensorId!: string;

  @Column({ type: 'text' })
  kind!: 'wifi' | 'ble' | 'camera';

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** Start of the pseudonym key period. */
  @Column({ type: 'timestamptz' })
  period!: Date;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'smallint', nullable: true })
  rssi!: number | null;

  @Column({ type: 'boolean', default: false })
  randomized!: boolean;

  @Column({ type: 'boolean', default: false })
  beacon!: boolean;

  @Column({ type: 'smallint', nullable: true })
  channel!: number | null;

  @Column({ type: 'smallint', name: 'tx_power', nullable: true })
  txPower!: number | null;

  /** Pseudonymised burst fingerprint (same key as `subject`), radio only. */
  @Column({ type: 'text', nullable: true })
  fingerprint!: string | null;

  @Column({ type: 'text', name: 'line_id', nullable: true })
  lineId!: string | null;

  @Column({ type: 'text', name: 'zone_id', nullable: true })
  zoneId!: string | null;

  @Column({ type: 'integer', nullable: true })
  entries!: number | null;

  @Column({ type: 'integer', nullable: true })
  exits!: number | null;

  @Column({ type: 'integer', nullable: true })
  occupancy!: number | null;

  /** Camera counters: start of the counting interval that ends at `at`. */
  @Column({ type: 'timestamptz', name: 'interval_start', nullable: true })
  intervalStart!: Date | null;
}

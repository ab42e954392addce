import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A store's own device (staff PC, printer, access point) excluded from counting. Only a keyed
 * digest of its address is kept, under a per-store key derived from the hub's opt-out key.
 */
@Entity({ name: 'fixed_devices' })
export class FixedDeviceEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'text' })
  hash!: string;

  /** What the device is, for people (never its address). */
  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

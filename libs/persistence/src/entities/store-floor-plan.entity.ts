import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { StoreEntity } from './store.entity.js';

/**
 * The floor-plan image of a store (PNG or SVG), drawn over the store's width × height metres.
 * One per store; deleted with the store.
 */
@Entity({ name: 'store_floor_plans' })
export class StoreFloorPlanEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  /** Deleted with its store (foreign key, ON DELETE CASCADE). */
  @ManyToOne(() => StoreEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'store_id', foreignKeyConstraintName: 'FK_store_floor_plans_store' })
  store?: StoreEntity;

  /** `image/png` or `image/svg+xml`. */
  @Column({ type: 'text', name: 'content_type' })
  contentType!: string;

  @Column({ type: 'bytea' })
  image!: Buffer;

  /** Hex SHA-256 of the image (the ETag). */
  @Column({ type: 'text' })
  sha256!: string;

  /** Pixel size when the image says so (PNG header, SVG width/height or viewBox). */
  @Column({ type: 'integer', name: 'pixel_width', nullable: true })
  pixelWidth!: number | null;

  @Column({ type: 'integer', name: 'pixel_height', nullable: true })
  pixelHeight!: number | null;

  /** Who uploaded it (`key:<id>`). */
  @Column({ type: 'text', name: 'updated_by' })
  updatedBy!: string;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type Point = { x: number; y: number };

@Entity({ name: 'zones' })
@Index(['storeId'])
export class ZoneEntity {
  /** Unique within the store; the primary key is (store, id). */
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Polygon vertices in the store's floor-plan frame, metres. */
  @Column({ type: 'jsonb' })
  polygon!: Point[];

  /** `entrance`, `checkout`, `sensitive`, … */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A closed visit (pseudonymous: it holds the subject of one key period), the fact visit-derived
 * rollups are recomputed from. Keyed by the deterministic visit id, so writing it again replaces
 * it. Kept only as long as the store's device retention.
 */
@Entity({ name: 'agg_visits' })
@Index('agg_visits_store_started', ['storeId', 'startedAt'])
@Index('agg_visits_store_ended', ['storeId', 'endedAt'])
export class AggVisitEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'text', name: 'visit_id' })
  visitId!: string;

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', name: 'ended_at' })
  endedAt!: Date;

  /** The whole visit (`VisitRecord` of @aisle/aggregation). */
  @Column({ type: 'jsonb' })
  record!: Record<string, unknown>;
}

/** A camera counter's report for one interval, keyed by the device's own interval. */
@Entity({ name: 'agg_counts' })
export class AggCountEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  @PrimaryColumn({ type: 'text', name: 'sensor_id' })
  sensorId!: string;

  @PrimaryColumn({ type: 'text', name: 'line_id' })
  lineId!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'interval_start' })
  intervalStart!: Date;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'integer' })
  entries!: number;

  @Column({ type: 'integer' })
  exits!: number;
}

/**
 * One rollup figure: (store, bucket size, metric, zone, bucket start) → value. Rows of a bucket are
 * replaced as a whole whenever one of its facts changes (see RollupStore).
 */
@Entity({ name: 'metric_rollups' })
export class MetricRollupEntity {
  @PrimaryColumn({ type: 'text', name: 'store_id' })
  storeId!: string;

  /** `1m`, `1h`, `1d`. */
  @PrimaryColumn({ type: 'text' })
  bucket!: string;

  @PrimaryColumn({ type: 'text' })
  metric!: string;

  /** Zone or counting line; '' for the whole store. */
  @PrimaryColumn({ type: 'text', name: 'zone_id' })
  zoneId!: string;

  @PrimaryColumn({ type: 'timestamptz', name: 'bucket_start' })
  bucketStart!: Date;

  @Column({ type: 'double precision' })
  value!: number;

  /** Subjects the figure derives from (small-cell suppression). */
  @Column({ type: 'integer' })
  subjects!: number;

  @Column({ type: 'jsonb', nullable: true })
  detail!: Record<string, unknown> | null;
}

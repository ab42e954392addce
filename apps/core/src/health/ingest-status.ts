import type { SightingWriterStatus } from '@aisle/persistence';

/** What ingest holds that is not in the database yet (the sighting writer's status, now). */
export type IngestStatus = () => SightingWriterStatus & {
  /** QoS 1 messages received whose PUBACK waits for their rows to be stored. */
  unacknowledged: number;
  /** Redelivered messages acknowledged without being stored again: their receipts were committed. */
  redeliveriesAlreadyStored?: number;
};

export const INGEST_STATUS = Symbol('INGEST_STATUS');

/**
 * Observations older than this and still not in the database make ingest `degraded`: the writer
 * commits every 250 ms, so a few seconds means the database is slow or away.
 */
export const DEGRADED_AFTER_S = 5;

export interface IngestHealth {
  status: 'ok' | 'degraded';
  /** Why it is degraded (empty when ok). */
  reasons: string[];
  backlogRows: number;
  unacknowledgedMessages: number;
  spilledRows: number;
  spillBytes: number;
  oldestUnstoredAgeSeconds: number;
  droppedRows: number;
  /** Redelivered messages (after a crash) found committed by their receipts: not stored twice. */
  redeliveriesAlreadyStored: number;
}

/** Judges the ingest status: `degraded` while writes fail, rows are spilled, or rows wait long. */
export function ingestHealth(status: ReturnType<IngestStatus>, now: number): IngestHealth {
  const age = status.oldestUnstoredAt === null ? 0 : Math.max(0, now - status.oldestUnstoredAt);
  const reasons: string[] = [];
  if (status.failingSince !== null) {
    reasons.push(`database writes failing for ${Math.round((now - status.failingSince) / 1000)} s`);
  }
  if (status.spilledRows > 0) {
    reasons.push(`${status.spilledRows} observations in the local spill file`);
  }
  if (age / 1000 > DEGRADED_AFTER_S) {
    reasons.push(`oldest unstored observation is ${Math.round(age / 1000)} s old`);
  }
  return {
    status: reasons.length > 0 ? 'degraded' : 'ok',
    reasons,
    backlogRows: status.backlog,
    unacknowledgedMessages: status.unacknowledged,
    spilledRows: status.spilledRows,
    spillBytes: status.spillBytes,
    oldestUnstoredAgeSeconds: Math.round(age / 100) / 10,
    droppedRows: status.dropped,
    redeliveriesAlreadyStored: status.redeliveriesAlreadyStored ?? 0,
  };
}

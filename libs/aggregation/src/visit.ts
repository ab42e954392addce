/** One stay of a visit in a zone, epoch ms (exit = the first position elsewhere, or the visit's end). */
export interface ZoneStay {
  zoneId: string;
  enteredAt: number;
  exitedAt: number;
}

/**
 * A closed visit: the fact every visit-derived rollup is computed from. Pseudonymous (the gate's
 * `subject` of one key period) and therefore kept only as long as the store's device retention.
 */
export interface VisitRecord {
  storeId: string;
  /** Deterministic: the same positions give the same id (see {@link visitIdOf}). */
  visitId: string;
  subject: string;
  /** Pseudonym key period, epoch ms. */
  period: number;
  startedAt: number;
  endedAt: number;
  /** Time spent inside the store (positions in a zone that is not outside/storefront), ms. */
  insideMs: number;
  /** Never inside the store long enough: counted as a passer-by, not a visitor. */
  passerBy: boolean;
  /**
   * Visitor visits only: 1 for the subject's first visit in its pseudonym period, 2 for its
   * second, …; 0 for passers-by. Never more than the period allows: pseudonyms do not link across.
   */
  ordinal: number;
  /** A consenting member known to have visited before (the member hook); false otherwise. */
  returningMember: boolean;
  zones: ZoneStay[];
  /** Zones in visiting order, consecutive repeats removed. */
  path: string[];
  /** Dwell on the heat grid: [cell index (row · cols + col), ms]. */
  heat: [number, number][];
}

/** A camera counter's report for one interval: the fact footfall is computed from. */
export interface CountRecord {
  storeId: string;
  sensorId: string;
  /** Counting line (or zone) the report is for. */
  lineId: string;
  intervalStart: number;
  /** End of the interval (the report's time). */
  at: number;
  entries: number;
  exits: number;
}

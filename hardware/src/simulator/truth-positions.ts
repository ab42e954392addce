import { createHash } from 'node:crypto';
import type { PositionUpdate } from '@aisle/sdk';
import type { GroundTruth } from './store-simulator.js';

/** Pseudonym periods of the truth positions: one UTC day, like the default daily key rotation. */
const PERIOD_MS = 86_400_000;

/**
 * Perfect positions from the simulator's ground truth, as localisation would publish them if it
 * were exact: one per person carrying a detectable phone (people without one are invisible to the
 * radios, as in a real store), with a per-day pseudonym of the person. For aggregation tests and
 * benchmarks until (and besides) the localisation engine.
 */
export function truthPositions(params: { storeId: string; truth: GroundTruth }): PositionUpdate[] {
  const { storeId, truth } = params;
  const period = Math.floor(truth.at / PERIOD_MS) * PERIOD_MS;
  const out: PositionUpdate[] = [];
  for (const person of truth.people) {
    if (!person.phone) continue;
    out.push({
      storeId,
      subject: createHash('sha256')
        .update(`${person.personId}|${period}`)
        .digest('hex')
        .slice(0, 32),
      period,
      kind: 'wifi',
      at: truth.at,
      x: person.x,
      y: person.y,
      uncertainty: 0,
      zoneId: person.zoneId,
      method: 'multilateration',
      sensorCount: 3,
    });
  }
  return out;
}

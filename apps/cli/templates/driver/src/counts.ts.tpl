import { MAX_COUNT, MAX_ID_LENGTH, type DriverObservation } from '@aisle/sdk';

/** What the counter sends: people in / out through a counting line since its last message. */
export interface CountsMessage {
  line: string;
  in: number;
  out: number;
  /** ISO time or epoch ms; the time of arrival when absent. */
  at?: string | number;
}

export type ParsedCounts =
  { ok: true; observation: DriverObservation } | { ok: false; reason: string; detail: string };

const LINE_ID = /^[a-z0-9][a-z0-9-]*$/;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
}

/**
 * One counts message → a camera observation, or why it was rejected (naming the field and value).
 * The live driver and the offline decoder both use it, so a recorded capture proves the parser.
 */
export function parseCounts(payload: unknown, receivedAt: number): ParsedCounts {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { ok: false, reason: 'not_an_object', detail: 'the payload must be a JSON object' };
  }
  const message = payload as Record<string, unknown>;
  const line = message['line'];
  if (typeof line !== 'string' || line.length > MAX_ID_LENGTH || !LINE_ID.test(line)) {
    return {
      ok: false,
      reason: 'bad_line',
      detail: `line: must be a slug (got ${JSON.stringify(line)})`,
    };
  }
  for (const field of ['in', 'out'] as const) {
    if (!isCount(message[field])) {
      return {
        ok: false,
        reason: `bad_${field}`,
        detail: `${field}: must be an integer from 0 to ${MAX_COUNT} (got ${JSON.stringify(message[field])})`,
      };
    }
  }
  const rawAt = message['at'];
  const at =
    rawAt === undefined
      ? receivedAt
      : typeof rawAt === 'number'
        ? rawAt
        : typeof rawAt === 'string'
          ? Date.parse(rawAt)
          : Number.NaN;
  if (!Number.isFinite(at)) {
    return {
      ok: false,
      reason: 'bad_at',
      detail: `at: must be an ISO time or epoch ms (got ${JSON.stringify(rawAt)})`,
    };
  }
  return {
    ok: true,
    observation: {
      kind: 'camera',
      at,
      lineId: line,
      entries: message['in'] as number,
      exits: message['out'] as number,
    },
  };
}

/** Parses raw MQTT bytes as JSON first. */
export function parseCountsPayload(payload: Buffer | string, receivedAt: number): ParsedCounts {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: 'not_json', detail: 'the payload is not JSON' };
  }
  return parseCounts(json, receivedAt);
}

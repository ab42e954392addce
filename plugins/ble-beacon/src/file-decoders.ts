import { readFile } from 'node:fs/promises';
import type { DecodeContext, DriverObservation, FileDecoder } from '@aisle/sdk';
import type { Decoded } from './ble-observation.js';
import { parseEspresenseMessage, parseTheengsMessage } from './gateway-messages.js';

/** A sensor id taken from a topic level (room, gateway name): what Aisle accepts as an id. */
const SENSOR_ID = /^[A-Za-z0-9_.-]{1,64}$/;

interface MessageRecord {
  topic: string | undefined;
  payload: Buffer;
  at: number;
}

/**
 * Reads JSON lines of recorded MQTT messages, `{"topic": "...", "payload": {...} | "...", "at"?: ms}`
 * (`t` or an ISO `time` also work; without one, `at` is 0). A line without `payload` is taken as a
 * bare payload (as in decoder test vectors). Blank lines and `#` comments are skipped.
 */
async function* records(file: string, ctx: DecodeContext): AsyncIterable<MessageRecord> {
  const text = await readFile(file, 'utf8');
  const lines = text.split('\n');
  let done = 0;
  for (const [index, rawLine] of lines.entries()) {
    if (ctx.signal.aborted) return;
    done += rawLine.length + 1;
    ctx.progress(Math.min(done, text.length), text.length);
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line) as unknown;
    } catch {
      ctx.reject(
        'bad_record',
        `line ${index + 1}: must be a JSON object (got ${line.length} characters that are not JSON)`,
      );
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      ctx.reject('bad_record', `line ${index + 1}: must be a JSON object`);
      continue;
    }
    const record = value as Record<string, unknown>;
    const hasPayload = 'payload' in record;
    const payload = hasPayload ? record['payload'] : record;
    yield {
      topic: typeof record['topic'] === 'string' ? record['topic'] : undefined,
      payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
      at: timeOf(record),
    };
  }
}

function timeOf(record: Record<string, unknown>): number {
  for (const key of ['at', 't']) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  const time = record['time'];
  const parsed = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : 0;
}

function* emitted(
  decoded: Decoded,
  ctx: DecodeContext,
  sensorId: string | undefined,
): Iterable<DriverObservation> {
  for (const rejection of decoded.rejections) ctx.reject(rejection.reason, rejection.detail);
  if (decoded.observation !== null) {
    yield sensorId !== undefined ? { ...decoded.observation, sensorId } : decoded.observation;
  }
}

/** The room of `<prefix>/devices/<id>/<room>` (or legacy `<prefix>/rooms/<room>`). */
function espresenseRoom(topic: string | undefined): string | undefined {
  const levels = topic?.split('/') ?? [];
  const devices = levels.lastIndexOf('devices');
  const room =
    devices >= 0 && levels.length === devices + 3
      ? levels[devices + 2]
      : levels.at(-2) === 'rooms'
        ? levels.at(-1)
        : undefined;
  return room !== undefined && SENSOR_ID.test(room) ? room : undefined;
}

/** The gateway name and device level of `<base>/<gateway>/BTtoMQTT/<MAC>`. */
function theengsLevels(topic: string | undefined): { gateway?: string; device?: string } {
  const levels = topic?.split('/') ?? [];
  const at = levels.lastIndexOf('BTtoMQTT');
  if (at < 0) return {};
  const gateway = levels[at - 1];
  const device = levels[at + 1];
  return {
    ...(gateway !== undefined && SENSOR_ID.test(gateway) ? { gateway } : {}),
    ...(device !== undefined ? { device } : {}),
  };
}

export const espresenseDecoder: FileDecoder = {
  description:
    'ESPresense node messages (JSON lines of {topic, payload}; espresense/devices/<id>/<room>); the room is the sensor',
  async *decode(file, ctx) {
    for await (const record of records(file, ctx)) {
      const decoded = parseEspresenseMessage(record.payload, record.at);
      yield* emitted(decoded, ctx, espresenseRoom(record.topic));
    }
  },
};

export const theengsDecoder: FileDecoder = {
  description:
    'Theengs Gateway / OpenMQTTGateway BTtoMQTT messages (JSON lines of {topic, payload}, decoded or raw); the gateway is the sensor',
  async *decode(file, ctx) {
    for await (const record of records(file, ctx)) {
      const { gateway, device } = theengsLevels(record.topic);
      const decoded = parseTheengsMessage(record.payload, record.at, device);
      yield* emitted(decoded, ctx, gateway);
    }
  },
};

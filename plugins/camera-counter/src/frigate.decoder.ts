import { readFile } from 'node:fs/promises';
import type { DecodeContext, DriverObservation, FileDecoder } from '@aisle/sdk';
import { FrigateTracker } from './frigate.js';
import { isRecord, safeKey } from './wire.js';

/** Unlimited skew offline: a recording is judged by its own times, not today's clock. */
const NO_SKEW_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * `aisle decode --format frigate <file>`: Frigate MQTT output recorded as JSON lines
 * (`{"t": <epoch ms>, "topic": "frigate/events", "payload": {…}}`, or one bare event per line), or
 * one Frigate event as a JSON document (as in Frigate's documentation). Every zone counts under its
 * own name, every camera is the sensor of its events; occupancy messages
 * (`<prefix>/<zone>/person`) need `t`.
 */
export const frigateDecoder: FileDecoder = {
  description:
    'Frigate MQTT messages (JSON lines {t, topic, payload} or one event JSON): people entering and leaving zones, zone occupancy',
  async *decode(file: string, ctx: DecodeContext): AsyncIterable<DriverObservation> {
    const text = await readFile(file, 'utf8');
    const tracker = new FrigateTracker({
      zones: 'identity',
      cameras: new Set(),
      maxClockSkewMs: NO_SKEW_LIMIT,
      sensorFromCamera: true,
    });
    const records = splitRecords(text);
    let done = 0;
    for (const record of records) {
      if (ctx.signal.aborted) return;
      done += 1;
      ctx.progress(done, records.length);
      const where = `line ${record.line}`;
      let value: unknown;
      try {
        value = JSON.parse(record.text) as unknown;
      } catch {
        ctx.reject(
          'bad_json',
          `${where}: must be JSON (got ${record.text.length} characters that are not)`,
        );
        continue;
      }
      const message = asMessage(value);
      if (typeof message === 'string') {
        ctx.reject('bad_record', `${where}: ${message}`);
        continue;
      }
      const levels = message.topic.split('/');
      const payload = Buffer.from(
        typeof message.payload === 'string' ? message.payload : JSON.stringify(message.payload),
      );
      let result;
      if (levels.length === 2 && levels[1] === 'events') {
        result = tracker.event(payload, message.t ?? 0);
      } else if (levels.length === 3 && levels[2] === 'person') {
        if (message.t === undefined) {
          ctx.reject('no_time', `${where}: t: an occupancy message needs its time (epoch ms)`);
          continue;
        }
        result = tracker.zoneCount(levels[1] as string, payload, message.t);
      } else {
        continue; // stats, available, snapshots…: nothing to count
      }
      for (const rejection of result.rejections) {
        ctx.reject(rejection.reason, `${where}: ${rejection.detail}`);
      }
      for (const observation of result.observations) yield observation;
    }
  },
};

function splitRecords(text: string): { line: number; text: string }[] {
  const trimmed = text.trim();
  // One JSON document (possibly pretty-printed) rather than JSON lines.
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    try {
      JSON.parse(trimmed);
      return [{ line: 1, text: trimmed }];
    } catch {
      // fall through to JSON lines
    }
  }
  return text
    .split('\n')
    .map((line, index) => ({ line: index + 1, text: line.trim() }))
    .filter((r) => r.text.length > 0 && !r.text.startsWith('#'));
}

function asMessage(value: unknown): { t?: number; topic: string; payload: unknown } | string {
  if (!isRecord(value)) return 'must be an object';
  if ('after' in value && 'type' in value) return { topic: 'frigate/events', payload: value };
  const { t, topic, payload } = value;
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 256) {
    return 'topic: must be an MQTT topic (or the line a bare Frigate event)';
  }
  if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0)) {
    return 't: must be a time in epoch ms';
  }
  if (payload === undefined) return 'payload: is required';
  for (const key of Object.keys(value)) {
    if (key !== 't' && key !== 'topic' && key !== 'payload') {
      return `${safeKey(key)}: is not a field of a recorded message (only t, topic, payload)`;
    }
  }
  return { ...(t !== undefined ? { t } : {}), topic, payload };
}

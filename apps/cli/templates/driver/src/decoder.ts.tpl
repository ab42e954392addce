import { readFile } from 'node:fs/promises';
import type { DecodeContext, DriverObservation, FileDecoder } from '@aisle/sdk';
import { parseCounts } from './counts.js';

/**
 * Reads a recorded capture: JSON lines `{"t": <ms>, "topic": "...", "payload": {...}}` (what
 * `mosquitto_sub -v` printed, one message a line), and yields what the live driver would emit.
 */
export const __CAMEL__Decoder: FileDecoder = {
  description: '__TITLE__ capture: JSON lines of {t, topic, payload} counts messages',
  async *decode(file: string, ctx: DecodeContext): AsyncIterable<DriverObservation> {
    const lines = (await readFile(file, 'utf8')).split('\n');
    for (const [index, raw] of lines.entries()) {
      ctx.progress(index + 1, lines.length);
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      let record: { t?: unknown; payload?: unknown };
      try {
        record = JSON.parse(line) as { t?: unknown; payload?: unknown };
      } catch {
        ctx.reject('not_json', `line ${index + 1} is not JSON`);
        continue;
      }
      const parsed = parseCounts(record.payload, typeof record.t === 'number' ? record.t : 0);
      if (parsed.ok) yield parsed.observation;
      else ctx.reject(parsed.reason, `line ${index + 1}: ${parsed.detail}`);
    }
  },
};

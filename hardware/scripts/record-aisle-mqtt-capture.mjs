// Regenerates plugins/aisle-mqtt/test/fixtures/capture.jsonl: two minutes of the simulated demo
// store as the aisle-mqtt driver receives it (three sensors' topics). Run `npm run build` first:
//   node hardware/scripts/record-aisle-mqtt-capture.mjs
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreSimulator, recordMqttCapture } from '@aisle/hardware';

const SEED = 1;
const START = Date.UTC(2026, 0, 1, 9, 0, 0);
const SECONDS = 120;
const TOPICS = new Set([
  'aisle/demo/radio-2/observations',
  'aisle/demo/radio-5/observations',
  'aisle/demo/cam-entrance/observations',
]);

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'plugins', 'aisle-mqtt', 'test', 'fixtures', 'capture.jsonl');
const simulator = new StoreSimulator({ seed: SEED, startAt: START });
const records = recordMqttCapture({ simulator, seconds: SECONDS }).filter((r) =>
  TOPICS.has(r.topic),
);
const header = [
  `# Simulated demo store (seed ${SEED}, start ${new Date(START).toISOString()}, ${SECONDS} s): the`,
  '# native batches of radio-2, radio-5 and cam-entrance. t = ms since the start. Regenerate with',
  '# node hardware/scripts/record-aisle-mqtt-capture.mjs (after npm run build).',
];
await writeFile(out, `${[...header, ...records.map((r) => JSON.stringify(r))].join('\n')}\n`);
process.stdout.write(`${records.length} messages → ${out}\n`);

import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import {
  fitFromSightings,
  locateOffline,
  type EngineSensor,
  type OfflineCalibration,
  type OfflineSighting,
  type RobustModel,
} from '@aisle/localisation';
import { CliError } from '../cli-error.js';

interface LocateOptions {
  sensors: string;
  sightings: string;
  config?: string;
  fit?: boolean;
}

/**
 * `aisle locate`: positions from sightings, with the hub's localisation engine. Sensors are
 * `[{"id","x","y","z"?,"measuredPower"?,"pathLossExponent"?,"receiverOffset"?}]`, sightings JSON lines
 * `{"t","subject","sensor","rssi"}`; prints JSON lines `{"t","subject","x","y","uncertainty"}`.
 */
export function locateCommand(): Command {
  return new Command('locate')
    .description('Locate subjects from sightings with the same engine as the hub (JSON lines out)')
    .requiredOption('--sensors <file>', 'sensors JSON: [{"id","x","y","z"?,"measuredPower"?}]')
    .requiredOption('--sightings <file>', 'JSON lines {"t": ms, "subject", "sensor", "rssi": dBm}')
    .option(
      '--config <file>',
      'calibration JSON {"sigmaDb"?,"deviceHeight"?,"measuredPower"?,"pathLossExponent"?}',
    )
    .option('--fit', 'fit path-loss parameters from the data first (reported on stderr)')
    .action(async (options: LocateOptions) => {
      let sensors = parseSensors(await readText(options.sensors), options.sensors);
      const sightings = parseSightings(await readText(options.sightings), options.sightings);
      const calibration = options.config
        ? parseCalibration(await readText(options.config), options.config)
        : {};
      let model: RobustModel | undefined;
      if (options.fit) {
        const fitted = fitFromSightings({ sensors, sightings, calibration });
        if (!fitted) throw new CliError('--fit: the sensors do not span an area to fit in');
        // A refused fit (too few windows, degenerate geometry) keeps the given calibration.
        if (fitted.quality.ok) {
          sensors = fitted.sensors;
          model = fitted.model;
        }
        process.stderr.write(
          `${JSON.stringify({ fit: fitted.fit, model: fitted.model, quality: fitted.quality })}\n`,
        );
      }
      const positioned = new Set<string>();
      for (const fix of locateOffline({ sensors, sightings, calibration, model })) {
        positioned.add(fix.subject);
        const line = JSON.stringify({
          t: fix.t,
          subject: fix.subject,
          x: round(fix.x),
          y: round(fix.y),
          uncertainty: round(fix.uncertainty),
        });
        if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
      }
      const dropped = droppedSubjects({ sensors, sightings, positioned });
      if (dropped !== null) process.stderr.write(`aisle locate: ${dropped}\n`);
    });
}

/**
 * Why subjects of the input got no position, as one line for stderr (null when every subject got
 * one): those whose sightings name no sensor of `--sensors`, and those the engine could not place
 * from their readings.
 */
export function droppedSubjects(params: {
  sensors: readonly EngineSensor[];
  sightings: readonly OfflineSighting[];
  positioned: ReadonlySet<string>;
}): string | null {
  const known = new Set(params.sensors.map((s) => s.id));
  const heardByKnown = new Set<string>();
  const all = new Set<string>();
  const unknownSensors = new Set<string>();
  for (const s of params.sightings) {
    all.add(s.subject);
    if (known.has(s.sensor)) heardByKnown.add(s.subject);
    else unknownSensors.add(s.sensor);
  }
  const missing = [...all].filter((subject) => !params.positioned.has(subject));
  if (missing.length === 0) return null;
  const noSensor = missing.filter((subject) => !heardByKnown.has(subject)).length;
  const unplaced = missing.length - noSensor;
  const reasons: string[] = [];
  if (noSensor > 0) {
    const ids = [...unknownSensors].sort();
    const shown = ids.slice(0, 5).map((id) => JSON.stringify(id));
    reasons.push(
      `${noSensor} heard only by sensors not in --sensors (${shown.join(', ')}${ids.length > 5 ? `, … ${ids.length} in all` : ''})`,
    );
  }
  if (unplaced > 0) {
    reasons.push(`${unplaced} the engine could not place (no finite fix from their readings)`);
  }
  return `${params.positioned.size} of ${all.size} subjects positioned; ${missing.length} without a position: ${reasons.join('; ')}`;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Longest piece of a bad input an error message shows. */
const SNIPPET_CHARS = 40;

/**
 * Where parsing failed, without echoing the input: a binary file must not print its bytes to the
 * terminal. Shows at most 40 characters, control and non-ASCII characters escaped.
 */
function isBinaryChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code < 0x09 || (code > 0x0d && code < 0x20) || code === 0xfffd;
}

function describeBadJson(text: string): string {
  // Control characters (other than whitespace) or undecodable bytes: not a text file.
  if ([...text.slice(0, 512)].some(isBinaryChar)) {
    return `binary or non-text content (${text.length} characters); is this the right file?`;
  }
  const snippet = JSON.stringify(text.slice(0, SNIPPET_CHARS)).replace(
    /[^ -~]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `starts with ${snippet}${text.length > SNIPPET_CHARS ? '…' : ''}`;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${where}: not JSON: ${describeBadJson(text.trim())}`);
  }
}

function finiteField(
  record: Record<string, unknown>,
  field: string,
  where: string,
  optional: boolean,
): number | undefined {
  const value = record[field];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CliError(
      `${where}: "${field}" must be a finite number (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

function parseSensors(text: string, file: string): EngineSensor[] {
  const data = parseJson(text, file);
  if (!Array.isArray(data) || data.length === 0) {
    throw new CliError(`${file}: expected a non-empty array of sensors`);
  }
  return data.map((item: unknown, i): EngineSensor => {
    const where = `${file}[${i}]`;
    if (typeof item !== 'object' || item === null) {
      throw new CliError(`${where}: expected an object`);
    }
    const r = item as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') {
      throw new CliError(`${where}: "id" must be a non-empty string`);
    }
    return {
      id: r.id,
      x: finiteField(r, 'x', where, false) as number,
      y: finiteField(r, 'y', where, false) as number,
      z: finiteField(r, 'z', where, true),
      measuredPower: finiteField(r, 'measuredPower', where, true),
      pathLossExponent: finiteField(r, 'pathLossExponent', where, true),
      receiverOffset: finiteField(r, 'receiverOffset', where, true),
    };
  });
}

function parseSightings(text: string, file: string): OfflineSighting[] {
  const out: OfflineSighting[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file} line ${i + 1}`;
    const r = parseJson(line, where);
    if (typeof r !== 'object' || r === null) throw new CliError(`${where}: expected an object`);
    const rec = r as Record<string, unknown>;
    if (typeof rec.subject !== 'string') throw new CliError(`${where}: "subject" must be a string`);
    if (typeof rec.sensor !== 'string') throw new CliError(`${where}: "sensor" must be a string`);
    out.push({
      t: finiteField(rec, 't', where, false) as number,
      subject: rec.subject,
      sensor: rec.sensor,
      rssi: finiteField(rec, 'rssi', where, false) as number,
    });
  });
  return out;
}

function parseCalibration(text: string, file: string): OfflineCalibration {
  const r = parseJson(text, file);
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    throw new CliError(`${file}: expected an object`);
  }
  const rec = r as Record<string, unknown>;
  return {
    sigmaDb: finiteField(rec, 'sigmaDb', file, true),
    deviceHeight: finiteField(rec, 'deviceHeight', file, true),
    measuredPower: finiteField(rec, 'measuredPower', file, true),
    pathLossExponent: finiteField(rec, 'pathLossExponent', file, true),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

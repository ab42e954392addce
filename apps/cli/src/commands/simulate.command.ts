import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { StoreSimulator, simulationRecords } from '@aisle/hardware';
import { CliError } from '../cli-error.js';

/** A fixed default start, so the same seed gives the same file byte for byte. */
const DEFAULT_START = '2026-01-01T09:00:00Z';
/** One week: longer runs are better split (the file grows ~10 MB per simulated hour). */
const MAX_SECONDS = 7 * 24 * 3600;

interface SimulateOptions {
  seconds: string;
  seed: string;
  out: string;
  sigma?: string;
  arrivalsPerMinute?: string;
  start: string;
}

/**
 * `aisle simulate`: runs the store simulator and writes JSON lines (layout, observations, ground
 * truth; format in hardware/README.md) to a file or stdout.
 */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'Simulate the demo store: JSON lines of layout, sensor observations and ground truth',
    )
    .option('--seconds <n>', 'simulated seconds', '60')
    .option('--seed <n>', 'random seed (same seed, same output)', '1')
    .option('--out <file>', 'output file, - for stdout', '-')
    .option('--sigma <dB>', 'RSSI noise standard deviation, dB (default 4)')
    .option('--arrivals-per-minute <r>', 'shopper arrivals per minute (default 2)')
    .option('--start <time>', 'simulated start, ISO 8601 or "now"', DEFAULT_START)
    .action(async (options: SimulateOptions) => {
      const seconds = parseNumber({
        flag: '--seconds',
        text: options.seconds,
        min: 1,
        max: MAX_SECONDS,
        integer: true,
      });
      const seed = parseNumber({
        flag: '--seed',
        text: options.seed,
        min: 0,
        max: 2 ** 32 - 1,
        integer: true,
      });
      const sigmaDb =
        options.sigma === undefined
          ? undefined
          : parseNumber({ flag: '--sigma', text: options.sigma, min: 0, max: 30 });
      const arrivalsPerMinute =
        options.arrivalsPerMinute === undefined
          ? undefined
          : parseNumber({
              flag: '--arrivals-per-minute',
              text: options.arrivalsPerMinute,
              min: 0,
              max: 1000,
            });
      const startAt = parseStart(options.start);
      const simulator = new StoreSimulator({
        seed,
        startAt,
        ...(sigmaDb !== undefined ? { sigmaDb } : {}),
        ...(arrivalsPerMinute !== undefined ? { arrivalsPerMinute } : {}),
      });
      const settings = {
        seed,
        ...(sigmaDb !== undefined ? { sigmaDb } : {}),
        ...(arrivalsPerMinute !== undefined ? { arrivalsPerMinute } : {}),
      };
      const out = await openOutput(options.out);
      try {
        for (const record of simulationRecords({ simulator, seconds, settings })) {
          if (!out.stream.write(`${JSON.stringify(record)}\n`)) await once(out.stream, 'drain');
        }
      } catch (error) {
        throw new CliError(`cannot write ${options.out}: ${(error as Error).message}`);
      } finally {
        await out.close();
      }
    });
}

function parseNumber(limits: {
  flag: string;
  text: string;
  min: number;
  max: number;
  integer?: boolean;
}): number {
  const { flag, text } = limits;
  const value = Number(text);
  const kind = limits.integer ? 'a whole number' : 'a number';
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (limits.integer && !Number.isInteger(value)) ||
    value < limits.min ||
    value > limits.max
  ) {
    throw new CliError(
      `${flag} must be ${kind} from ${limits.min} to ${limits.max} (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

function parseStart(text: string): number {
  if (text === 'now') return Date.now();
  const value = Date.parse(text);
  if (Number.isNaN(value)) {
    throw new CliError(
      `--start must be an ISO 8601 time like ${DEFAULT_START} or "now" (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

/** stdout for `-`, else the file (its open error reported as a CliError). */
async function openOutput(path: string): Promise<{ stream: Writable; close(): Promise<void> }> {
  if (path === '-') return { stream: process.stdout, close: async () => undefined };
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
  return {
    stream,
    close: async () => {
      if (stream.closed) return;
      const closed = once(stream, 'close');
      stream.end();
      await closed;
    },
  };
}

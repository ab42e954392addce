import type { DriverObservation, FileDecoder, Ports } from '@aisle/sdk';
import { redactMacs } from '@aisle/sdk';
import { RunPseudonymiser } from './pseudonymise-observation.js';

/** Rejections printed one by one before only their count goes on. */
const MAX_PRINTED_REJECTIONS = 20;

export interface DecodeSummary {
  format: string;
  file: string;
  observations: number;
  byKind: Record<string, number>;
  rejected: number;
  rejections: Record<string, number>;
  /** Observations printed with `at: null`: the recording gave them no time. */
  withoutTime: number;
  /** Raw identifiers printed (`--raw`) or pseudonymised under a one-run key. */
  identifiers: 'raw' | 'pseudonymised';
}

export interface DecodeRunOptions {
  format: string;
  file: string;
  decoder: FileDecoder;
  ports: Ports;
  raw: boolean;
  /** One JSON line per observation; a returned promise is awaited (stdout back-pressure). */
  writeLine(line: string): Promise<void> | void;
  /** Human-readable notes (rejections), already free of raw MACs. */
  warn(text: string): void;
  progress(done: number, total: number): void;
  signal: AbortSignal;
}

/**
 * A decoder ended with an error, or rejected every record of a non-empty file (the wrong format,
 * most likely); `summary` says what was decoded before.
 */
export class DecodeFailedError extends Error {
  override readonly name = 'DecodeFailedError';
  constructor(
    override readonly cause: unknown,
    readonly summary: DecodeSummary,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Runs one plugin decoder over a file: every observation as a JSON line (one schema for every
 * decoder, see `DecodedRecord`), then the summary line. A malformed record is counted and
 * reported (without raw MACs) and decoding goes on. An error that ends the decoder prints no
 * summary on stdout: it is thrown as a {@link DecodeFailedError} carrying what was decoded before.
 */
export async function runDecode(options: DecodeRunOptions): Promise<DecodeSummary> {
  const pseudonymiser = new RunPseudonymiser(options.raw);
  const summary: DecodeSummary = {
    format: options.format,
    file: options.file,
    observations: 0,
    byKind: {},
    rejected: 0,
    rejections: {},
    withoutTime: 0,
    identifiers: options.raw ? 'raw' : 'pseudonymised',
  };
  const emit = async (observation: DriverObservation): Promise<void> => {
    const record = pseudonymiser.apply(observation);
    await options.writeLine(JSON.stringify(record));
    summary.observations += 1;
    summary.byKind[observation.kind] = (summary.byKind[observation.kind] ?? 0) + 1;
    if (record.at === null) summary.withoutTime += 1;
  };
  const reject = (reason: string, detail: string): void => {
    summary.rejected += 1;
    summary.rejections[reason] = (summary.rejections[reason] ?? 0) + 1;
    if (summary.rejected <= MAX_PRINTED_REJECTIONS) {
      options.warn(`rejected (${reason}): ${redactMacs(detail)}`);
    } else if (summary.rejected === MAX_PRINTED_REJECTIONS + 1) {
      options.warn('more rejections: only counted from here (see the summary)');
    }
  };
  try {
    for await (const observation of options.decoder.decode(options.file, {
      ports: options.ports,
      reject,
      progress: options.progress,
      signal: options.signal,
    })) {
      await emit(observation);
    }
  } catch (error) {
    throw new DecodeFailedError(error, summary);
  }
  if (summary.observations === 0 && summary.rejected > 0) {
    throw new DecodeFailedError(
      new Error(`no observation: all ${summary.rejected} records were rejected`),
      summary,
    );
  }
  if (summary.withoutTime > 0) {
    options.warn(
      `${summary.withoutTime} observations have "at": null: the file gives them no time (add "at" in epoch ms, "t" or an ISO "time" to each record)`,
    );
  }
  await options.writeLine(JSON.stringify({ summary }));
  return summary;
}

/**
 * Progress as plain-text lines for a stderr that is not a terminal (a log, a CI job): one line
 * each time another tenth of the input is done, and one at the end.
 */
export function progressLines(
  write: (line: string) => void,
): (done: number, total: number) => void {
  let lastStep = -1;
  return (done, total) => {
    if (total <= 0) return;
    const step = Math.floor((Math.min(done, total) / total) * 10);
    if (step <= lastStep) return;
    lastStep = step;
    write(`decode: ${step * 10}% (${done} of ${total})`);
  };
}

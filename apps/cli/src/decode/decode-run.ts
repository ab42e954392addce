import type { DriverObservation, FileDecoder, Ports } from '@aisle/sdk';
import { redactMacs } from '@aisle/sdk';
import { RunPseudonymiser, type DecodedRecord } from './pseudonymise-observation.js';

/** Rejections printed one by one before only their count goes on. */
const MAX_PRINTED_REJECTIONS = 20;

export interface DecodeSummary {
  format: string;
  file: string;
  observations: number;
  byKind: Record<string, number>;
  rejected: number;
  rejections: Record<string, number>;
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
 * Runs one plugin decoder over a file: every observation as a JSON line, then the summary. A
 * malformed record is counted and reported (without raw MACs) and decoding goes on; an error
 * that ends the decoder still prints the summary of what came before it, then rethrows.
 */
export async function runDecode(options: DecodeRunOptions): Promise<DecodeSummary> {
  const pseudonymiser = new RunPseudonymiser();
  const summary: DecodeSummary = {
    format: options.format,
    file: options.file,
    observations: 0,
    byKind: {},
    rejected: 0,
    rejections: {},
    identifiers: options.raw ? 'raw' : 'pseudonymised',
  };
  const emit = async (observation: DriverObservation): Promise<void> => {
    const record: DecodedRecord | DriverObservation = options.raw
      ? observation
      : pseudonymiser.apply(observation);
    await options.writeLine(JSON.stringify(record));
    summary.observations += 1;
    summary.byKind[observation.kind] = (summary.byKind[observation.kind] ?? 0) + 1;
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
  } finally {
    await options.writeLine(JSON.stringify({ summary }));
  }
  return summary;
}

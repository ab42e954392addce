import type { CapturedFrame, DriverObservation } from '@aisle/sdk';
import { FrameDecodeError } from '../decode/frame-error.js';
import { decodeFrame } from '../decode/probe-request.js';

/** What one captured frame turns into. */
export type FrameOutcome =
  | {
      kind: 'observation';
      observation: DriverObservation;
      warning?: { reason: string; detail: string };
    }
  | { kind: 'skipped'; reason: string }
  | { kind: 'rejected'; reason: string; detail: string };

/**
 * A captured frame → a Wi-Fi observation of its probe request (source address, RSSI, channel,
 * sequence number, element fingerprint). Never throws: malformed frames are `rejected` with the
 * field and offset, frames that are not probe requests (or have a bad FCS) are `skipped`.
 */
export function frameToObservation(frame: CapturedFrame): FrameOutcome {
  let result;
  try {
    result = decodeFrame(frame.linkType, frame.data);
  } catch (error) {
    if (error instanceof FrameDecodeError) {
      return { kind: 'rejected', reason: 'malformed_frame', detail: error.message };
    }
    throw error;
  }
  if (result.kind === 'skipped') return result;
  const p = result.probe;
  if (p.rssi === undefined) {
    return {
      kind: 'rejected',
      reason: 'no_rssi',
      detail: 'rssi: the capture has no radiotap antenna signal for this probe request',
    };
  }
  const observation: DriverObservation = {
    kind: 'wifi',
    at: frame.at,
    mac: p.source,
    rssi: p.rssi,
    seq: p.seq,
  };
  if (p.channel !== undefined) observation.channel = p.channel;
  if (p.fingerprint !== undefined) observation.fingerprint = p.fingerprint;
  if (p.ieError) {
    return {
      kind: 'observation',
      observation,
      warning: {
        reason: 'malformed_ies',
        detail: `${p.ieError.message}; kept without a fingerprint`,
      },
    };
  }
  return { kind: 'observation', observation };
}

import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { BusTopology } from './bus-topology.js';

/**
 * Two minutes: a publisher that retries a sighting it got no PubAck for within this window (the
 * message id is a digest of its bytes) is stored once.
 */
export const DUPLICATE_WINDOW_MS = 120_000;

/**
 * Creates the sightings stream if it is missing (publishers and consumers both call it; whoever
 * comes first creates it). A work queue: a message is removed once a worker acknowledges it, so
 * the stream holds exactly the sightings whose effect is not committed yet, on disk.
 */
export async function ensureObsStream(jsm: JetStreamManager, topology: BusTopology): Promise<void> {
  try {
    await jsm.streams.info(topology.obsStream);
    return;
  } catch {
    // not there yet
  }
  try {
    await jsm.streams.add({
      name: topology.obsStream,
      subjects: [topology.obsSubjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      // Full stream: publishers are refused (backpressure), nothing already stored is dropped.
      discard: DiscardPolicy.New,
      duplicate_window: DUPLICATE_WINDOW_MS * 1_000_000,
    });
  } catch (error) {
    // Another process created it between the two calls.
    await jsm.streams.info(topology.obsStream).catch(() => {
      throw error;
    });
  }
}

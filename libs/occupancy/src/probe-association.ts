/**
 * Links the randomised addresses of Wi-Fi probe requests to devices within a short window, in
 * memory only. One pass over time-ordered probes, a few map look-ups each (no clustering matrix,
 * no second pass): the association step of the occupancy estimate.
 *
 * Signals, strongest first (as in Baccichet et al., "Open Probe Request Dataset" / two-stage
 * clustering, Politecnico di Milano, and Vanhoef et al. 2016, reduced to what a streaming hub can
 * afford):
 * 1. the same address again within the window (nothing to guess);
 * 2. the same element fingerprint inside a running burst (iOS changes address on nearly every frame
 *    of a burst);
 * 3. sequence-number continuity across an address change: a forward step of at most `seqGap`,
 *    so a channel-hopping sniffer that missed frames still links;
 * 4. the same fingerprint after a silence of at most `windowMs`, when the signal on the same sensor
 *    is within `rssiTolerance` of the device's last burst there (a device does not jump across the
 *    room between bursts); among several candidates the closest signal wins.
 * Without a fingerprint only 1 and 3 apply.
 *
 * In a crowd of one phone model (one fingerprint) 4 links bursts of different phones. The address
 * that comes back tells: when an address is heard again in a new burst after its device has moved
 * on to other addresses, those other addresses were another device's (a phone that keeps its
 * address across bursts — associated, or with a per-network address — does not send bursts under
 * fresh ones in between). The address becomes a device of its own, shown to keep its address, and
 * 4 links no fresh address to it from then on (3 still does: an address change with a continuing
 * sequence counter). Nothing is kept beyond the window, and a new pseudonym
 * key period starts from nothing: devices are never followed across time or periods.
 */
export interface AssociationOptions {
  /** Frames of one burst follow each other within this, ms. */
  burstGapMs: number;
  /** Longest silence between two bursts of one device that may still be linked, ms. */
  windowMs: number;
  /** Largest forward sequence-number step across an address change taken as continuity. */
  seqGap: number;
  /** Largest difference of signal on one sensor between linked bursts, dB. */
  rssiTolerance: number;
  /**
   * After a silence, when several devices of the fingerprint pass the signal gate: `closest` links
   * to the closest signal (the estimate), `refuse` opens a new device (the range's upper end: the
   * count if every such guess were wrong).
   */
  ambiguousTiming: 'closest' | 'refuse';
}

/**
 * Defaults. From the radio: an active scan visits channels for tens of milliseconds each, so one
 * burst lasts well under a second (`burstGapMs`); 64 frames of sequence numbers cover a hopping
 * sniffer that hears one channel in three (`seqGap`). Derived from the single-phone captures only
 * (`deriveAssociationOptions`, rules fixed beforehand; the bench re-derives them and checks they
 * match): `windowMs` = the longest silence one phone kept between two bursts (196 s, rounded up to
 * 200 s), `rssiTolerance` = the 95th percentile of a phone's own rise from one burst to the next on
 * one sensor (9 dB over 187 burst pairs of three phones).
 */
export const DEFAULT_ASSOCIATION_OPTIONS: AssociationOptions = {
  burstGapMs: 1_000,
  windowMs: 200_000,
  seqGap: 64,
  rssiTolerance: 9,
  ambiguousTiming: 'closest',
};

export interface AssociationInput {
  /** Epoch ms; calls come in time order (small disorder is tolerated). */
  at: number;
  /** Address or a pseudonym of it. */
  address: string;
  rssi: number;
  seq?: number;
  fingerprint?: string;
  /** Sensor that heard it (RSSI is compared per sensor); one sensor when absent. */
  sensor?: string;
  /** Pseudonym key period; a new one forgets everything. */
  period?: number;
}

/** How a probe was linked: the first four are evidence, `new` opened a device. */
export type LinkKind = 'address' | 'burst' | 'sequence' | 'timing' | 'new';

interface Track {
  id: number;
  /** Last probe, ms. */
  lastAt: number;
  lastSeq: number;
  /** Address of the last probe, and how many probes it has carried in a row. */
  address: string;
  addressProbes: number;
  /**
   * Weakest and strongest signal of the current (or, before the next one starts, the last) burst
   * per sensor (`''` when the sensor is unknown): what a new burst is compared with.
   */
  lo: Map<string, number>;
  hi: Map<string, number>;
  /**
   * Opened for an address that came back after the device it had been linked to moved on to other
   * addresses: a device shown to keep its address across bursts.
   */
  stable: boolean;
}

/** More probes than this under one address mark a device that keeps its address within a burst. */
const ADDRESS_RUN = 2;
const NO_SEQ = -1;
const SEQ_MODULO = 4096;

export class ProbeAssociator {
  /** Address → its device and when the address itself was last heard. */
  private readonly byAddress = new Map<string, { track: Track; lastAt: number }>();
  /** Devices of each fingerprint seen within the window. */
  private readonly groups = new Map<string, Track[]>();
  /** Devices without a fingerprint by their last sequence number (the only way to link them). */
  private readonly bySeq = new Map<number, Track>();
  private readonly o: AssociationOptions;
  private nextId = 0;
  private period: number | undefined;
  private prunedAt = Number.NEGATIVE_INFINITY;
  /** Kind of the last link, for tests and the uncertainty. */
  lastLink: LinkKind = 'new';
  /**
   * The last probe opened a device because its address came back after its device moved on (not
   * because the address was new or forgotten).
   */
  lastReturned = false;
  /**
   * The last probe began a burst under a fresh address: it opened a device, or only the timing link
   * (fingerprint and signal after a silence) joined it to one. The bursts a device holds by such
   * guesses, counted per interval, are checked against one phone's burst rate; bursts under a known
   * address or a continuing sequence counter are evidence, not counted.
   */
  lastFreshBurst = false;
  /** The last probe's device is shown to keep its address (one phone, whatever its burst rate). */
  lastStable = false;

  constructor(options: Partial<AssociationOptions> = {}) {
    this.o = { ...DEFAULT_ASSOCIATION_OPTIONS, ...options };
  }

  /** Devices (tracks) held in memory right now. */
  get held(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.length;
    return n + this.byAddress.size + this.bySeq.size;
  }

  /** Forgets every device and address (key rotation, shutdown). */
  reset(): void {
    this.byAddress.clear();
    this.groups.clear();
    this.bySeq.clear();
    this.prunedAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * The device id of one probe: ids are small integers, unique within this associator and
   * meaningless outside it. A probe of an earlier key period than the current one opens a device
   * of its own and is not remembered.
   */
  link(s: AssociationInput): number {
    const o = this.o;
    if (s.period !== undefined && s.period !== this.period) {
      if (this.period !== undefined && s.period < this.period) {
        this.lastLink = 'new';
        this.lastReturned = false;
        this.lastFreshBurst = true;
        this.lastStable = false;
        return (this.nextId += 1);
      }
      this.reset();
      this.period = s.period;
    }
    if (s.at - this.prunedAt > o.windowMs) this.prune(s.at);
    const seq = s.seq ?? NO_SEQ;
    const sensor = s.sensor ?? '';
    const known = this.byAddress.get(s.address);
    let track = known !== undefined && s.at - known.lastAt <= o.windowMs ? known.track : undefined;
    let kind: LinkKind = 'address';
    let returned = false;
    if (
      known !== undefined &&
      track !== undefined &&
      track.address !== s.address &&
      s.at - known.lastAt > o.burstGapMs
    ) {
      // The address is back in a new burst, but its device has moved on to other addresses since:
      // it was another device's, one that keeps its address.
      track = this.open(s.at, seq, s.address, s.fingerprint);
      track.stable = true;
      kind = 'new';
      returned = true;
      known.track = track;
      known.lastAt = s.at;
    } else if (known !== undefined && track !== undefined) {
      if (s.at > known.lastAt) known.lastAt = s.at;
    } else {
      const key = s.fingerprint;
      let best: Track | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      let bestKind: LinkKind = 'new';
      let timingCandidates = 0;
      if (key === undefined) {
        // No fingerprint: only sequence continuity can link, looked up by the preceding numbers.
        for (let step = 1; seq !== NO_SEQ && step <= o.seqGap; step += 1) {
          const t = this.bySeq.get((seq - step + SEQ_MODULO) % SEQ_MODULO);
          if (t !== undefined && s.at - t.lastAt <= o.windowMs) {
            best = t;
            bestKind = 'sequence';
            break;
          }
        }
      }
      const group = key === undefined ? undefined : this.groups.get(key);
      if (group !== undefined) {
        for (let i = group.length - 1; i >= 0; i -= 1) {
          const t = group[i]!;
          const gap = s.at - t.lastAt;
          if (gap > o.windowMs) {
            group[i] = group[group.length - 1]!;
            group.pop();
            continue;
          }
          let score: number;
          let k: LinkKind;
          const step =
            seq === NO_SEQ || t.lastSeq === NO_SEQ
              ? 0
              : (seq - t.lastSeq + SEQ_MODULO) % SEQ_MODULO;
          const continuous = step > 0 && step <= o.seqGap;
          if (continuous) {
            score = 4 - step / o.seqGap / 10;
            k = 'sequence';
          } else {
            // Signal on the same sensor, against the range of the track's last burst there: within a
            // burst it only ranks candidates (a sensor also hears frames sent on a neighbouring
            // channel, much weaker); across bursts it must stay within the tolerance.
            const lo = t.lo.get(sensor);
            const hi = t.hi.get(sensor);
            const diff =
              lo === undefined || hi === undefined
                ? 0
                : s.rssi < lo
                  ? lo - s.rssi
                  : s.rssi > hi
                    ? s.rssi - hi
                    : 0;
            if (gap <= o.burstGapMs) {
              // Inside a burst only a device that changes address every probe or two (iOS) takes a
              // new one: a device that kept its address for a run of probes does not change it
              // mid-burst.
              if (t.addressProbes > ADDRESS_RUN) continue;
              score = 3 - diff / o.rssiTolerance / 2 - gap / o.burstGapMs / 10;
              k = 'burst';
            } else {
              // A device shown to keep its address across bursts takes no fresh one after a silence.
              if (t.stable) continue;
              if (hi !== undefined && s.rssi - hi > o.rssiTolerance) continue;
              score = 1 - diff / o.rssiTolerance / 2 - gap / o.windowMs / 10;
              k = 'timing';
            }
          }
          if (k === 'timing') timingCandidates += 1;
          if (score > bestScore) {
            bestScore = score;
            best = t;
            bestKind = k;
          }
        }
      }
      if (bestKind === 'timing' && timingCandidates > 1 && o.ambiguousTiming === 'refuse') {
        best = undefined;
      }
      if (best === undefined) {
        track = this.open(s.at, seq, s.address, key);
        kind = 'new';
      } else {
        track = best;
        kind = bestKind;
      }
      this.byAddress.set(s.address, { track, lastAt: s.at });
    }
    if (kind !== 'new' && s.at - track.lastAt > o.burstGapMs) {
      // A new burst: the finished one's signal has been compared, this one's is collected.
      track.lo.clear();
      track.hi.clear();
    }
    const lo = track.lo.get(sensor);
    if (lo === undefined || s.rssi < lo) track.lo.set(sensor, s.rssi);
    const hi = track.hi.get(sensor);
    if (hi === undefined || s.rssi > hi) track.hi.set(sensor, s.rssi);
    if (kind !== 'new') {
      if (track.address !== s.address) {
        track.address = s.address;
        track.addressProbes = 1;
      } else if (seq === NO_SEQ || seq !== track.lastSeq) {
        // The same frame heard by several sensors (same sequence number) is one probe.
        track.addressProbes += 1;
      }
    }
    if (s.at > track.lastAt) track.lastAt = s.at;
    if (seq !== NO_SEQ) {
      if (s.fingerprint === undefined && seq !== track.lastSeq) {
        if (this.bySeq.get(track.lastSeq) === track) this.bySeq.delete(track.lastSeq);
      }
      track.lastSeq = seq;
      if (s.fingerprint === undefined) this.bySeq.set(seq, track);
    }
    this.lastLink = kind;
    this.lastReturned = returned;
    this.lastFreshBurst = (kind === 'new' && !returned) || kind === 'timing';
    this.lastStable = track.stable;
    return track.id;
  }

  /** A new device, listed under its fingerprint (when it has one). */
  private open(at: number, seq: number, address: string, key: string | undefined): Track {
    const track: Track = {
      id: (this.nextId += 1),
      lastAt: at,
      lastSeq: seq,
      address,
      addressProbes: 1,
      lo: new Map(),
      hi: new Map(),
      stable: false,
    };
    if (key !== undefined) {
      const list = this.groups.get(key);
      if (list) list.push(track);
      else this.groups.set(key, [track]);
    }
    return track;
  }

  /** Drops addresses and devices silent for longer than the window. */
  private prune(now: number): void {
    const horizon = now - this.o.windowMs;
    for (const [address, entry] of this.byAddress) {
      if (entry.lastAt < horizon) this.byAddress.delete(address);
    }
    for (const [seq, t] of this.bySeq) {
      if (t.lastAt < horizon) this.bySeq.delete(seq);
    }
    for (const [key, group] of this.groups) {
      const alive = group.filter((t) => t.lastAt >= horizon);
      if (alive.length === 0) this.groups.delete(key);
      else if (alive.length !== group.length) this.groups.set(key, alive);
    }
    this.prunedAt = now;
  }
}

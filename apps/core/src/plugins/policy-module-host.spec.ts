import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { IsInt, Max, Min } from 'class-validator';
import { IngestGate, InMemoryKeyStore, PseudonymKeyring, parseTrackingPolicy } from '@aisle/ingest';
import {
  OptOutList,
  builtInPolicies,
  trackingOffPolicy,
  validateStorePolicy,
  type StorePolicy,
} from '@aisle/policy';
import {
  definePolicy,
  type AisleEvent,
  type PolicyModule,
  type PolicyPlugin,
  type PositionUpdate,
} from '@aisle/sdk';
import { FakeClock } from '@aisle/sdk/testing';
import { TEST_NOTICE as COMPLETE_NOTICE } from '../../../../test/support/policies.js';
import { expectNoRawMac } from '../../../../test/support/raw-mac.js';
import { HubMetrics } from '../metrics/hub-metrics.js';
import {
  MAX_EVENTS_IN_FLIGHT,
  POLICY_CREATE_TIMEOUT_MS,
  POLICY_EVENT_TIMEOUT_MS,
  PolicyModuleHost,
  type PolicyHostStore,
} from './policy-module-host.js';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);
const MAC = '3c:22:fb:12:34:56';
const OPTED_OUT_MAC = '3c:22:fb:99:88:77';
const wifi = { storeId: 's1', sensorId: 'n1', at: T0, kind: 'wifi', mac: MAC, rssi: -60 };

class LimitConfig {
  @IsInt()
  @Min(1)
  @Max(10)
  limit = 3;
}

function policyOf(doc: Record<string, unknown>): StorePolicy {
  const { policy, errors } = validateStorePolicy(doc);
  if (!policy) throw new Error(JSON.stringify(errors));
  return policy;
}

function store(
  id: string,
  modules: { domain: string; config?: object }[] = [],
  coupons = true,
): PolicyHostStore {
  const parsed = policyOf({ mode: 'in-visit', notice: COMPLETE_NOTICE });
  const base = { ...parsed, coupons: { ...parsed.coupons, enabled: coupons } };
  return {
    id,
    timezone: 'UTC',
    zones: [{ id: 'z1', tags: [] }],
    policy: {
      ...base,
      modules: modules.map((m) => ({ domain: m.domain, config: { ...m.config } })),
    },
    fixedDevices: [],
  };
}

function setup(plugins: Record<string, PolicyPlugin> = {}) {
  const clock = new FakeClock(T0);
  const metrics = new HubMetrics({ defaultMetrics: false });
  let now = 0;
  const optOut = new OptOutList(randomBytes(32));
  optOut.add(optOut.digest({ kind: 'device', address: OPTED_OUT_MAC }) ?? '');
  const sut = new PolicyModuleHost({
    builtIns: builtInPolicies({ optOut }),
    logger: pino({ level: 'silent' }),
    clock,
    metrics,
    stopwatch: () => now,
  });
  sut.usePlugins((domain) => plugins[domain]);
  const policies = new Map<string, StorePolicy>();
  const gate = new IngestGate({
    keyring: new PseudonymKeyring({ store: new InMemoryKeyStore(), clock, onError: () => {} }),
    clock,
    policyFor: (storeId) => policies.get(storeId)?.tracking,
    modulesFor: (storeId) => sut.gateModules(storeId),
  });
  const apply = async (stores: PolicyHostStore[]) => {
    for (const s of stores) policies.set(s.id, s.policy);
    await sut.apply(stores);
  };
  const errors = async (kind: string) =>
    (await metrics.policyModuleErrors.get()).values
      .filter((v) => v.labels['kind'] === kind)
      .reduce((sum, v) => sum + v.value, 0);
  return {
    sut,
    gate,
    clock,
    apply,
    errors,
    advanceStopwatch: (ms: number) => (now += ms),
  };
}

const hostile = (module: PolicyModule): PolicyPlugin =>
  definePolicy({ configSchema: LimitConfig, createPolicy: () => module });

const position: PositionUpdate = {
  storeId: 's1',
  subject: 'ab'.repeat(16),
  period: T0,
  kind: 'wifi',
  at: T0,
  x: 1,
  y: 2,
  uncertainty: 1,
  zoneId: 'z1',
  method: 'multilateration',
  sensorCount: 3,
};

const event: AisleEvent<'zone.entered'> = {
  id: 'evt_1',
  type: 'zone.entered',
  storeId: 's1',
  at: T0,
  data: { subject: 'ab'.repeat(16), visitId: 'v1', zoneId: 'z1', enteredAt: T0 },
};

describe(PolicyModuleHost.name, () => {
  describe('a hostile module cannot break the gate', () => {
    it('answering with a modified observation (raw MAC, extra fields) is an error: dropped, counted, nothing of it flows on', async () => {
      const { gate, apply, errors } = setup({
        evil: hostile({ gate: (o) => ({ ...o, mac: 'aa:bb:cc:dd:ee:ff', note: MAC }) as never }),
      });
      await apply([store('s1', [{ domain: 'evil' }])]);
      const result = gate.process(wifi);
      expect(result).toEqual({ ok: false, reason: 'policy_error' });
      expectNoRawMac(JSON.stringify(result), 'gate result');
      expect(await errors('invalid_verdict')).toBe(1);
    });

    it('an accept with extra fields adds nothing: the sighting holds only the gate fields and a pseudonym', async () => {
      const { gate, apply } = setup({
        evil: hostile({
          gate: () => ({ accept: true, mac: MAC, subject: 'mine', extra: 1 }) as never,
        }),
      });
      await apply([store('s1', [{ domain: 'evil' }])]);
      const result = gate.process(wifi);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(Object.keys(result.sighting).sort()).toEqual(
        ['at', 'kind', 'period', 'randomized', 'rssi', 'sensorId', 'storeId', 'subject'].sort(),
      );
      expect(result.sighting.subject).toMatch(/^[0-9a-f]{32,}$/);
      expectNoRawMac(JSON.stringify(result), 'sighting');
    });

    it('mutating its input fails (frozen copy): dropped, counted, the caller object untouched', async () => {
      const input = { ...wifi };
      const { gate, apply, errors } = setup({
        evil: hostile({
          gate: (o) => {
            (o as { mac: string }).mac = 'aa:bb:cc:dd:ee:ff';
            (o as unknown as { storeId: string }).storeId = 'other';
            return { accept: true };
          },
        }),
      });
      await apply([store('s1', [{ domain: 'evil' }])]);
      expect(gate.process(input)).toEqual({ ok: false, reason: 'policy_error' });
      expect(input).toEqual(wifi);
      expect(await errors('threw')).toBe(1);
    });

    it('throwing drops the observation of its store only; other stores and later observations go on', async () => {
      let calls = 0;
      const { gate, apply, errors } = setup({
        evil: hostile({
          gate: () => {
            calls += 1;
            if (calls === 1) throw new Error(`boom ${MAC}`);
            return { accept: true };
          },
        }),
      });
      await apply([store('s1', [{ domain: 'evil' }]), store('s2')]);
      expect(gate.process(wifi)).toEqual({ ok: false, reason: 'policy_error' });
      expect(gate.process({ ...wifi, storeId: 's2' }).ok).toBe(true);
      expect(gate.process(wifi).ok).toBe(true);
      expect(await errors('threw')).toBe(1);
    });

    it('cannot un-drop: built-ins run first, and the tracking rules before any module', async () => {
      const seen: string[] = [];
      const { gate, apply } = setup({
        lenient: hostile({ gate: (o) => (seen.push(o.storeId), { accept: true }) }),
      });
      const off = {
        ...store('s2', [{ domain: 'lenient' }]),
        policy: { ...trackingOffPolicy(), modules: [{ domain: 'lenient', config: {} }] },
      };
      await apply([store('s1', [{ domain: 'lenient' }]), off]);
      expect(gate.process({ ...wifi, mac: OPTED_OUT_MAC })).toEqual({
        ok: false,
        reason: 'policy_rejected',
        detail: 'opted_out',
      });
      expect(gate.process({ ...wifi, storeId: 's2' })).toEqual({
        ok: false,
        reason: 'tracking_off',
      });
      expect(seen).toEqual([]);
    });

    it('a slow hook is counted (fake stopwatch) and the pipeline goes on', async () => {
      const h = setup();
      const plugins = {
        slow: hostile({ gate: () => (h.advanceStopwatch(50), { accept: true }) }),
      };
      h.sut.usePlugins((d) => plugins[d as 'slow']);
      await h.apply([store('s1', [{ domain: 'slow' }])]);
      expect(h.gate.process(wifi).ok).toBe(true);
      expect(await h.errors('slow')).toBe(1);
    });

    it('a module whose createPolicy hangs or throws leaves its store fail-closed, not open', async () => {
      const { gate, apply, clock, sut } = setup({
        hangs: definePolicy({
          configSchema: LimitConfig,
          createPolicy: () => new Promise<PolicyModule>(() => {}),
        }),
        throws: definePolicy({
          configSchema: LimitConfig,
          createPolicy: () => {
            throw new Error('no');
          },
        }),
      });
      const applying = apply([
        store('s1', [{ domain: 'hangs' }]),
        store('s2', [{ domain: 'throws' }]),
      ]);
      await Promise.resolve();
      for (let i = 0; i < 10; i += 1) {
        clock.advance(POLICY_CREATE_TIMEOUT_MS);
        await new Promise((r) => setImmediate(r));
      }
      await applying;
      expect(gate.process(wifi)).toEqual({ ok: false, reason: 'policy_error' });
      expect(gate.process({ ...wifi, storeId: 's2' })).toEqual({
        ok: false,
        reason: 'policy_error',
      });
      expect(sut.running('s1').unavailable).toMatch(/hangs: did not finish/);
      expect(sut.allowPosition(position)).toBe(false);
      expect(
        sut.vetoOffer({ storeId: 's2', ruleId: 'r', zoneId: null, title: 't', at: T0 }),
      ).toMatch(/unavailable/);
    });

    it('a store the host has not set up gets nothing through', () => {
      const { gate, sut } = setup();
      expect(sut.gateModules('nowhere')).toHaveLength(1);
      expect(
        new IngestGate({
          keyring: new PseudonymKeyring({
            store: new InMemoryKeyStore(),
            clock: new FakeClock(T0),
            onError: () => {},
          }),
          clock: new FakeClock(T0),
          policyFor: () => parseTrackingPolicy({ mode: 'in-visit' }),
          modulesFor: (id) => sut.gateModules(id),
        }).process(wifi),
      ).toEqual({ ok: false, reason: 'policy_error' });
      expect(gate).toBeDefined();
    });
  });

  describe('positions, events and offers: restrict only', () => {
    it('drops a position, suppresses an event, vetoes an offer; a lenient module cannot undo another one', async () => {
      const { sut, apply } = setup({
        strict: hostile({
          position: () => ({ accept: false, reason: 'no' }),
          event: () => ({ accept: false, reason: 'no' }),
          offer: () => ({ accept: false, reason: 'not today' }),
        }),
        lenient: hostile({
          position: () => ({ accept: true }),
          event: () => ({ accept: true }),
          offer: () => ({ accept: true }),
        }),
      });
      await apply([
        store('s1', [{ domain: 'strict' }, { domain: 'lenient' }]),
        store('s2', [{ domain: 'lenient' }]),
      ]);
      expect(sut.allowPosition(position)).toBe(false);
      expect(sut.allowEvent(event)).toBe(false);
      expect(sut.vetoOffer({ storeId: 's1', ruleId: 'r', zoneId: null, title: 't', at: T0 })).toBe(
        'strict: not today',
      );
      expect(sut.allowPosition({ ...position, storeId: 's2' })).toBe(true);
      expect(sut.allowEvent({ ...event, storeId: 's2' })).toBe(true);
    });

    it('hostile answers (changed copies, mutation, non-verdicts) restrict the item and are counted', async () => {
      const original = structuredClone(event);
      const { sut, apply, errors } = setup({
        evil: hostile({
          position: (p) => ({ ...p, zoneId: null }) as never,
          event: (e) => {
            (e.data as { subject: string }).subject = MAC;
            return { accept: true };
          },
          offer: () => ({ accept: 'yes' }) as never,
        }),
      });
      await apply([store('s1', [{ domain: 'evil' }])]);
      expect(sut.allowPosition(position)).toBe(false);
      expect(sut.allowEvent(event)).toBe(false);
      expect(event).toEqual(original);
      expect(sut.vetoOffer({ storeId: 's1', ruleId: 'r', zoneId: null, title: 't', at: T0 })).toBe(
        'evil: module error',
      );
      expect(await errors('invalid_verdict')).toBe(2);
      expect(await errors('threw')).toBe(1);
    });

    it('the built-in offer guarantees veto offers when coupons are off', async () => {
      const { sut, apply } = setup();
      await apply([store('s1', [], false)]);
      expect(sut.vetoOffer({ storeId: 's1', ruleId: 'r', zoneId: null, title: 't', at: T0 })).toBe(
        'aisle-coupons: coupons_disabled',
      );
    });
  });

  describe('onEvent', () => {
    it('sees frozen copies of its store events only; a hanging handler is timed out on the hub clock and bounded', async () => {
      const seen: AisleEvent[] = [];
      const { sut, apply, clock, errors } = setup({
        hangs: hostile({
          onEvent: (e) => {
            seen.push(e);
            return new Promise<void>(() => {});
          },
        }),
      });
      await apply([store('s1', [{ domain: 'hangs' }]), store('s2')]);
      sut.dispatch({ ...event, storeId: 's2' });
      sut.dispatch(event);
      expect(seen).toHaveLength(1);
      expect(Object.isFrozen(seen[0]?.data)).toBe(true);
      clock.advance(POLICY_EVENT_TIMEOUT_MS);
      expect(await errors('timeout')).toBe(1);
      for (let i = 0; i < MAX_EVENTS_IN_FLIGHT + 2; i += 1) sut.dispatch(event);
      expect(seen).toHaveLength(MAX_EVENTS_IN_FLIGHT);
      expect(await errors('overloaded')).toBe(3);
    });

    it('a throwing or rejecting handler is counted, never propagated', async () => {
      const { sut, apply, errors } = setup({
        sync: hostile({
          onEvent: () => {
            throw new Error('x');
          },
        }),
        async: hostile({ onEvent: () => Promise.reject(new Error('y')) }),
      });
      await apply([store('s1', [{ domain: 'sync' }, { domain: 'async' }])]);
      expect(() => sut.dispatch(event)).not.toThrow();
      await new Promise((r) => setImmediate(r));
      expect(await errors('threw')).toBe(2);
    });
  });

  describe('configuration', () => {
    it('checks a selected module config against its class, naming the field', () => {
      const { sut } = setup({ limited: hostile({}) });
      expect(sut.checkConfig('limited', { limit: 99 })).toEqual([
        expect.objectContaining({ field: 'limit', value: 99 }),
      ]);
      expect(sut.checkConfig('limited', { limit: 2 })).toEqual([]);
      expect(sut.checkConfig('nope', {})).toMatch(/no loaded policy plugin/);
      expect(sut.checkConfig('aisle-opt-out', {})).toMatch(/built-in/);
    });

    it('lists the built-ins, always on', () => {
      const { sut } = setup();
      expect(sut.builtIns().map((b) => b.domain)).toEqual([
        'aisle-opt-out',
        'aisle-fixed-devices',
        'aisle-tracking-hours',
        'aisle-notice',
        'aisle-coupons',
      ]);
      expect(sut.builtIns().every((b) => b.alwaysOn)).toBe(true);
    });

    it('the store policy names a bad module config by its path', () => {
      const { sut } = setup({ limited: hostile({}) });
      const { errors } = validateStorePolicy(
        {
          modules: [
            { domain: 'limited', config: { limit: 0 } },
            { domain: 'aisle-opt-out' },
            { domain: 'limited' },
          ],
        },
        { checkModule: (d, c) => sut.checkConfig(d, c) },
      );
      expect(errors.map((e) => e.field)).toEqual([
        'modules[0].config.limit',
        'modules[1].domain',
        'modules[2].domain',
      ]);
    });
  });
});

import type { Logger } from 'pino';
import type { BuiltInPolicy, StorePolicy } from '@aisle/policy';
import {
  redactMacs,
  validateConfig,
  validatePlain,
  type AisleEvent,
  type Clock,
  type FieldError,
  type GateDecision,
  type OfferCandidate,
  type PolicyModule,
  type PolicyPlugin,
  type PolicyZone,
  type PositionUpdate,
  type TimerHandle,
} from '@aisle/sdk';
import { pluginLogger } from '../logging/aisle-logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';

/** Provider token of the {@link PolicyModuleHost} for the stages after ingest (global). */
export const POLICY_MODULES = Symbol('POLICY_MODULES');

/** A synchronous hook slower than this is counted `slow` (it runs per observation, in the gate). */
export const POLICY_HOOK_BUDGET_MS = 5;
/** An `onEvent` that has not settled by then is counted `timeout` (it keeps no one waiting). */
export const POLICY_EVENT_TIMEOUT_MS = 5_000;
/** `createPolicy`/`dispose` that take longer are abandoned: the store's modules are unavailable. */
export const POLICY_CREATE_TIMEOUT_MS = 10_000;
/** Unsettled `onEvent` calls per module; beyond, events are not delivered to it (`overloaded`). */
export const MAX_EVENTS_IN_FLIGHT = 16;
/** Longest restriction reason kept (it is logged and counted, never a free-form identifier). */
const MAX_REASON_LENGTH = 64;

export type PolicyHook = 'gate' | 'position' | 'event' | 'offer';
export type ModuleErrorKind =
  'threw' | 'invalid_verdict' | 'slow' | 'timeout' | 'overloaded' | 'unavailable';

/** What the host needs of a store: its id, time zone, zones and parsed policy. */
export interface PolicyHostStore {
  readonly id: string;
  readonly timezone: string;
  readonly zones: readonly PolicyZone[];
  readonly policy: StorePolicy;
  readonly fixedDevices: readonly string[];
}

interface Running {
  domain: string;
  builtIn: boolean;
  module: PolicyModule;
  inFlight: number;
}

interface StoreModules {
  key: string;
  modules: Running[];
  /** Why the store's selected modules are not running; every item of the store is restricted. */
  unavailable?: string;
  gate: readonly PolicyModule[];
}

type Judgement = 'accept' | 'error' | { reason: string };

/** What the store's gate answers when every module accepts (frozen: the same object every time). */
const GATE_ACCEPT: GateDecision = Object.freeze({ accept: true });

export class PolicyModuleUnavailableError extends Error {
  override readonly name = 'PolicyModuleUnavailableError';
}

/** The gate modules of a store the host has not set up: every observation is a `policy_error`. */
const NOT_READY: readonly PolicyModule[] = [
  {
    gate: () => {
      throw new PolicyModuleUnavailableError('policy modules not set up for this store');
    },
  },
];

/**
 * Runs each store's policy modules: the built-ins (always on) and the plugins its policy selects
 * (`modules: [{ domain, config }]`), through the SDK contract. Whatever a module does, it can only
 * restrict: it sees frozen copies, only `{ accept: true }` or `{ accept: false, reason }` counts as
 * an answer, and anything else — a throw, a changed copy of the item, a promise, a getter that
 * throws — is a counted module error that restricts the item (fail closed). Built-ins run first
 * and the first restriction wins, so no module can let through what the hub dropped. `onEvent`
 * is time-boxed on the hub clock and never awaited by the pipeline.
 */
export class PolicyModuleHost {
  private stores = new Map<string, StoreModules>();
  private applying: Promise<void> = Promise.resolve();
  private readonly stopwatch: () => number;
  /** The stopwatch's reading after the last hook {@link judge} timed. */
  private judgedAt = 0;
  private stopped = false;
  /** A loaded policy plugin by domain (undefined: none loaded, or not a policy plugin). */
  private lookup: (domain: string) => PolicyPlugin | undefined = () => undefined;

  constructor(
    private readonly deps: {
      builtIns: readonly BuiltInPolicy[];
      logger: Logger;
      clock: Clock;
      metrics: HubMetrics;
      /** Measures synchronous hooks (ms); injectable so the `slow` rule is tested without timing. */
      stopwatch?: () => number;
    },
  ) {
    this.stopwatch = deps.stopwatch ?? (() => performance.now());
  }

  // --- configuration --------------------------------------------------------------------------

  /**
   * Checks one selected module's configuration (for the store policy validator): errors relative
   * to the config, or why the domain cannot be selected.
   */
  checkConfig(domain: string, config: unknown): FieldError[] | string {
    if (this.deps.builtIns.some((b) => b.domain === domain)) {
      return 'is a built-in policy module: always on, configured by its own section of the policy';
    }
    const plugin = this.lookup(domain);
    if (!plugin) return 'no loaded policy plugin has this domain';
    return validatePlain(plugin.configSchema, config ?? {}).errors;
  }

  /** The built-in modules, listed like plugins. */
  builtIns(): { domain: string; name: string; description: string; alwaysOn: true }[] {
    return this.deps.builtIns.map((b) => ({
      domain: b.domain,
      name: b.name,
      description: b.description,
      alwaysOn: true,
    }));
  }

  /** The modules running for a store, in the order they are asked, with the hooks they use. */
  running(storeId: string): {
    modules: { domain: string; builtIn: boolean; hooks: string[] }[];
    unavailable?: string;
  } {
    const found = this.stores.get(storeId);
    const hooks = ['gate', 'position', 'event', 'offer', 'onEvent'] as const;
    return {
      modules: (found?.modules ?? []).map((m) => ({
        domain: m.domain,
        builtIn: m.builtIn,
        hooks: hooks.filter((h) => typeof m.module[h] === 'function'),
      })),
      ...(found?.unavailable ? { unavailable: found.unavailable } : {}),
    };
  }

  /** Where selected plugins are looked up (set once the plugin host exists: it depends on the gate). */
  usePlugins(lookup: (domain: string) => PolicyPlugin | undefined): void {
    this.lookup = lookup;
  }

  /** Makes the running modules match the stores (serialised; the last call sees the latest). */
  apply(stores: readonly PolicyHostStore[]): Promise<void> {
    this.applying = this.applying.catch(() => undefined).then(() => this.doApply(stores));
    return this.applying;
  }

  private async doApply(stores: readonly PolicyHostStore[]): Promise<void> {
    const next = new Map<string, StoreModules>();
    const retired: StoreModules[] = [];
    for (const store of stores) {
      const key = JSON.stringify([
        store.timezone,
        store.zones,
        store.fixedDevices,
        store.policy.hours,
        store.policy.notice,
        store.policy.coupons.enabled,
        store.policy.modules,
      ]);
      const current = this.stores.get(store.id);
      if (current?.key === key) {
        next.set(store.id, current);
        continue;
      }
      next.set(store.id, await this.create(store, key));
      if (current) retired.push(current);
    }
    for (const [id, current] of this.stores) if (!next.has(id)) retired.push(current);
    this.stores = next;
    for (const old of retired) await this.dispose(old);
  }

  private async create(store: PolicyHostStore, key: string): Promise<StoreModules> {
    const modules: Running[] = [];
    let unavailable: string | undefined;
    const zones = deepFreeze(store.zones.map((z) => ({ id: z.id, tags: [...z.tags] })));
    const start = async (
      domain: string,
      builtIn: boolean,
      plugin: PolicyPlugin,
      raw: object,
    ): Promise<void> => {
      const config = builtIn
        ? raw
        : validateConfig(
            plugin.configSchema,
            raw,
            `invalid configuration of policy module ${domain}`,
          );
      const module = await this.timeBoxed(
        Promise.resolve().then(() =>
          plugin.createPolicy({
            storeId: store.id,
            config: deepFreeze(config),
            zones,
            timezone: store.timezone,
            logger: pluginLogger(this.deps.logger, { plugin: domain, store: store.id }),
            clock: this.deps.clock,
          }),
        ),
        POLICY_CREATE_TIMEOUT_MS,
      );
      if (module === null || typeof module !== 'object') {
        throw new Error('createPolicy did not return a policy module');
      }
      modules.push({ domain, builtIn, module, inFlight: 0 });
    };
    for (const builtIn of this.deps.builtIns) {
      try {
        await start(builtIn.domain, true, builtIn.plugin, builtIn.configFor(store));
      } catch (error) {
        unavailable = `built-in ${builtIn.domain}: ${describe(error)}`;
      }
    }
    for (const selected of store.policy.modules) {
      const plugin = this.lookup(selected.domain);
      try {
        if (!plugin) throw new Error('no loaded policy plugin has this domain');
        await start(selected.domain, false, plugin, selected.config);
      } catch (error) {
        unavailable ??= `${selected.domain}: ${describe(error)}`;
        this.count(selected.domain, 'gate', 'unavailable');
      }
    }
    if (unavailable !== undefined) {
      this.deps.logger.error(
        { store: store.id },
        `policy modules unavailable, every observation, position, event and offer of the store is restricted: ${unavailable}`,
      );
    }
    const entry: StoreModules = { key, modules, gate: [] };
    if (unavailable !== undefined) entry.unavailable = unavailable;
    entry.gate = this.gateModulesOf(entry);
    return entry;
  }

  private async dispose(old: StoreModules): Promise<void> {
    for (const running of old.modules) {
      if (typeof running.module.dispose !== 'function') continue;
      try {
        await this.timeBoxed(
          Promise.resolve().then(() => running.module.dispose?.()),
          POLICY_CREATE_TIMEOUT_MS,
        );
      } catch (error) {
        this.deps.logger.warn({ plugin: running.domain }, `dispose failed: ${describe(error)}`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying.catch(() => undefined);
    const all = [...this.stores.values()];
    this.stores = new Map();
    for (const old of all) await this.dispose(old);
  }

  // --- verdicts -------------------------------------------------------------------------------

  /** The store's gate modules for the ingest gate: a throw is the gate's `policy_error`. */
  gateModules(storeId: string): readonly PolicyModule[] {
    // A store the host has not (yet, or any more) set up gets no observation through: the
    // built-ins (opt-out!) must have run for every accepted observation.
    return (this.stopped ? undefined : this.stores.get(storeId)?.gate) ?? NOT_READY;
  }

  private gateModulesOf(entry: StoreModules): readonly PolicyModule[] {
    if (entry.unavailable !== undefined) {
      const why = entry.unavailable;
      return [
        {
          gate: () => {
            throw new PolicyModuleUnavailableError(why);
          },
        },
      ];
    }
    const asked = entry.modules.filter((r) => typeof r.module.gate === 'function');
    if (asked.length === 0) return [];
    // The built-ins (this repository's code, which only reads) see the gate's own copy as it is
    // (frozen by the gate); a plugin's module, frozen all the way down.
    const trusted = asked.every((r) => r.builtIn);
    // One gate for all of the store's modules, asked in order (the first rejection wins, an error
    // is the gate's `policy_error`): the observation is frozen once, the clock read once per module.
    return [
      {
        gate: (observation): GateDecision => {
          // The gate hands over its own validated copy.
          const frozen = trusted ? observation : deepFreeze(observation);
          let started = this.stopwatch();
          for (const r of asked) {
            const verdict = this.judge(r, 'gate', frozen, started);
            if (verdict === 'error') throw new PolicyModuleUnavailableError(r.domain);
            if (verdict !== 'accept') return { accept: false, reason: verdict.reason };
            started = this.judgedAt;
          }
          return GATE_ACCEPT;
        },
      },
    ];
  }

  /** False when a module drops the position (or a module of its store is unavailable). */
  allowPosition(position: PositionUpdate): boolean {
    return this.ask(position.storeId, 'position', position) === undefined;
  }

  /** False when a module suppresses the event: it does not leave the hub (webhooks). */
  allowEvent(event: AisleEvent): boolean {
    if (event.storeId === null) return true;
    return this.ask(event.storeId, 'event', event) === undefined;
  }

  /** The veto reason (`<domain>: <reason>`), or undefined when every module lets the offer go. */
  vetoOffer(offer: OfferCandidate): string | undefined {
    return this.ask(offer.storeId, 'offer', offer);
  }

  private ask(
    storeId: string,
    hook: Exclude<PolicyHook, 'gate'>,
    item: object,
  ): string | undefined {
    const entry = this.stores.get(storeId);
    if (!entry) return undefined;
    if (entry.unavailable !== undefined) return `unavailable: ${entry.unavailable}`;
    const asked = entry.modules.filter((r) => typeof r.module[hook] === 'function');
    if (asked.length === 0) return undefined;
    const copy = deepFreeze(structuredClone(item));
    for (const running of asked) {
      const verdict = this.judge(running, hook, copy);
      if (verdict === 'accept') continue;
      return verdict === 'error'
        ? `${running.domain}: module error`
        : `${running.domain}: ${verdict.reason}`;
    }
    return undefined;
  }

  /**
   * One module's answer, reduced to a verdict; every misbehaviour is counted as an error.
   * `started`: the stopwatch just before (read here when not given); the reading after the hook
   * is left in {@link judgedAt} (the next module's start).
   */
  private judge(
    running: Running,
    hook: PolicyHook,
    item: object,
    started: number = this.stopwatch(),
  ): Judgement {
    const fn = running.module[hook] as ((item: object) => unknown) | undefined;
    if (typeof fn !== 'function') return 'accept';
    let verdict: Judgement;
    try {
      verdict = asVerdict(fn.call(running.module, item));
    } catch {
      this.count(running.domain, hook, 'threw');
      return 'error';
    }
    this.judgedAt = this.stopwatch();
    if (this.judgedAt - started > POLICY_HOOK_BUDGET_MS) {
      this.count(running.domain, hook, 'slow');
    }
    if (verdict === 'error') {
      this.count(running.domain, hook, 'invalid_verdict');
    } else if (verdict !== 'accept') {
      this.deps.metrics.policyModuleRestrictions.labels(running.domain, hook).inc();
    }
    return verdict;
  }

  // --- events ---------------------------------------------------------------------------------

  /** Hands a store's event to its modules' `onEvent` (frozen copy, time-boxed, never awaited). */
  dispatch(event: AisleEvent): void {
    if (event.storeId === null) return;
    const entry = this.stores.get(event.storeId);
    if (!entry) return;
    const listeners = entry.modules.filter((r) => typeof r.module.onEvent === 'function');
    if (listeners.length === 0) return;
    const copy = deepFreeze(structuredClone(event));
    for (const running of listeners) {
      if (running.inFlight >= MAX_EVENTS_IN_FLIGHT) {
        this.count(running.domain, 'event', 'overloaded');
        continue;
      }
      let result: unknown;
      try {
        result = running.module.onEvent?.(copy);
      } catch {
        this.count(running.domain, 'event', 'threw');
        continue;
      }
      if (!isThenable(result)) continue;
      running.inFlight += 1;
      let timer: TimerHandle | undefined = this.deps.clock.setTimeout(() => {
        timer = undefined;
        this.count(running.domain, 'event', 'timeout');
      }, POLICY_EVENT_TIMEOUT_MS);
      const settle = (failed: boolean): void => {
        running.inFlight -= 1;
        if (timer !== undefined) this.deps.clock.clearTimeout(timer);
        timer = undefined;
        if (failed) this.count(running.domain, 'event', 'threw');
      };
      Promise.resolve(result).then(
        () => settle(false),
        () => settle(true),
      );
    }
  }

  private count(domain: string, hook: PolicyHook, kind: ModuleErrorKind): void {
    this.deps.metrics.policyModuleErrors.labels(domain, hook, kind).inc();
  }

  private async timeBoxed<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: TimerHandle | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = this.deps.clock.setTimeout(
            () => reject(new Error(`did not finish within ${ms / 1000} s`)),
            ms,
          );
        }),
      ]);
    } finally {
      if (timer !== undefined) this.deps.clock.clearTimeout(timer);
    }
  }
}

/** Only the two verdict shapes count; the answer's other fields are never read. */
function asVerdict(answer: unknown): Judgement {
  if (answer === null || typeof answer !== 'object' || isThenable(answer)) return 'error';
  const { accept, reason } = answer as { accept?: unknown; reason?: unknown };
  if (accept === true) return 'accept';
  if (accept === false && typeof reason === 'string') {
    return { reason: redactMacs(reason).slice(0, MAX_REASON_LENGTH) };
  }
  return 'error';
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(error: unknown): string {
  return redactMacs(error instanceof Error ? error.message : String(error));
}

/** Freezes a plain value and everything in it (the copies modules see). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    if (!Object.isFrozen(value)) Object.freeze(value);
    // Own enumerable keys (as `Object.keys`), without an array of them: it runs per observation.
    for (const key in value) {
      if (Object.hasOwn(value, key)) deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}

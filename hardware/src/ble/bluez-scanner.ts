// Types only: node-ble (D-Bus, XML) is loaded when a scanner opens, not with the package.
import type NodeBle from 'node-ble';
import {
  PluginNotReadyError,
  redactMacs,
  type BleAdvertisement,
  type BleScannerPort,
  type BleScannerStatus,
} from '@aisle/sdk';

/**
 * How often the adapter is asked for new devices and its power state, ms. node-ble has no
 * InterfacesAdded subscription (its own `waitDevice` polls too); BlueZ adds a device object on its
 * first advertisement, so 1 s adds at most a second before a new device's first report, while
 * later advertisements of known devices arrive at once as PropertiesChanged signals.
 */
export const DEVICE_POLL_MS = 1_000;
/** After a D-Bus outage, reconnecting is tried at this interval, doubling up to the maximum. */
export const RECONNECT_MIN_MS = 1_000;
export const RECONNECT_MAX_MS = 30_000;
/**
 * Longest wait for one D-Bus call. dbus-next never answers a call on a dead connection (the
 * write fails into an `error` event, the promise stays pending), so every call is bounded; BlueZ
 * answers in milliseconds, 5 s is a daemon that is gone or hung.
 */
export const CALL_TIMEOUT_MS = 5_000;

type Session = ReturnType<typeof NodeBle.createBluetooth>;
type Adapter = NodeBle.Adapter;

/** node-ble's per-object D-Bus helper (BusHelper): GetAll and the PropertiesChanged signal. */
interface BusHelper {
  props(): Promise<Record<string, unknown>>;
  on(event: 'PropertiesChanged', listener: (changed: Record<string, unknown>) => void): void;
  removeListeners(): void;
}

interface Tracked {
  helper: BusHelper;
  props: Record<string, unknown>;
}

interface Running {
  adapterName: string;
  onAdvertisement: (ad: BleAdvertisement) => void;
  onStatus: (status: BleScannerStatus) => void;
}

export interface BluezScannerOptions {
  /** Opens a D-Bus session (default node-ble's `createBluetooth`, i.e. DBUS_SYSTEM_BUS_ADDRESS). */
  connect?: () => Session;
  pollMs?: number;
  callTimeoutMs?: number;
  now?: () => number;
}

/**
 * The SDK's BLE scanner port over BlueZ, through node-ble (D-Bus): LE discovery on one adapter,
 * every device's RSSI, ManufacturerData and ServiceData from GetAll and PropertiesChanged.
 * An absent or powered-off adapter at start is PluginNotReadyError; losing the adapter (power
 * off, removal) or the bus while running reports `unavailable` and recovers by itself.
 */
export class BluezScanner implements BleScannerPort {
  private session: Session | undefined;
  private adapter: Adapter | undefined;
  private running: Running | undefined;
  private readonly devices = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private healthy = false;
  private reconnectMs = RECONNECT_MIN_MS;
  /** We started discovery (and so stop it); false when another client had it running. */
  private ownsDiscovery = false;
  private polling = false;

  constructor(private readonly options: BluezScannerOptions = {}) {}

  async start(options: {
    adapter?: string;
    onAdvertisement: (ad: BleAdvertisement) => void;
    onStatus?: (status: BleScannerStatus) => void;
  }): Promise<void> {
    if (this.running) await this.stop();
    const running: Running = {
      adapterName: options.adapter ?? 'hci0',
      onAdvertisement: options.onAdvertisement,
      onStatus: options.onStatus ?? (() => undefined),
    };
    try {
      await this.open(running.adapterName);
    } catch (error) {
      this.release();
      throw error instanceof PluginNotReadyError
        ? error
        : new PluginNotReadyError(
            `BlueZ adapter ${running.adapterName}: ${describe(error)} (is bluetoothd running?)`,
          );
    }
    this.running = running;
    this.healthy = true;
    await this.poll();
    this.schedule(this.options.pollMs ?? DEVICE_POLL_MS);
  }

  async stop(): Promise<void> {
    const wasRunning = this.running !== undefined;
    this.running = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (wasRunning && this.adapter && this.ownsDiscovery && this.healthy) {
      try {
        await this.call(this.adapter.stopDiscovery());
      } catch {
        // Already stopped (power-off) or the bus is gone: nothing to undo.
      }
    }
    this.release();
  }

  /** Number of devices whose D-Bus objects (and signal listeners) are held. */
  get trackedDevices(): number {
    return this.devices.size;
  }

  /** Connects, finds the adapter and starts LE discovery; throws PluginNotReadyError. */
  private async open(adapterName: string): Promise<void> {
    const connect = this.options.connect ?? (await import('node-ble')).default.createBluetooth;
    const session = connect();
    this.session = session;
    let refused: ((error: unknown) => void) | undefined;
    const failed = new Promise<never>((_resolve, reject) => (refused = reject));
    failed.catch(() => undefined);
    // dbus-next emits `error` on the bus for a refused or lost connection: never unhandled.
    busOf(session)?.on('error', (error: unknown) => {
      refused?.(error);
      this.lost(`D-Bus: ${describe(error)}`);
    });
    const names = await Promise.race([this.call(session.bluetooth.adapters()), failed]);
    refused = undefined;
    if (!names.includes(adapterName)) {
      throw new PluginNotReadyError(
        `BlueZ adapter ${adapterName} not found (adapters: ${names.join(', ') || 'none'})`,
      );
    }
    const adapter = await this.call(session.bluetooth.getAdapter(adapterName));
    this.adapter = adapter;
    if (!(await this.call(adapter.isPowered()))) {
      throw new PluginNotReadyError(`BlueZ adapter ${adapterName} is powered off`);
    }
    await this.startDiscovery(adapter);
  }

  private async startDiscovery(adapter: Adapter): Promise<void> {
    if (await this.call(adapter.isDiscovering())) {
      // Another client (bluetoothctl, a second hub) runs discovery: its reports reach us too.
      this.ownsDiscovery = false;
      return;
    }
    await this.call(adapter.startDiscovery()); // node-ble sets the LE transport filter first
    this.ownsDiscovery = true;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    if (this.healthy) {
      await this.poll();
      this.schedule(this.options.pollMs ?? DEVICE_POLL_MS);
      return;
    }
    await this.recover();
  }

  /** Checks the adapter's power and picks up new (and drops removed) devices. */
  private async poll(): Promise<void> {
    const adapter = this.adapter;
    const running = this.running;
    if (!adapter || !running || this.polling) return;
    this.polling = true;
    try {
      if (!(await this.call(adapter.isPowered()))) {
        this.lost(`BlueZ adapter ${running.adapterName} is powered off`);
        return;
      }
      const present = new Set(await this.call(adapter.devices()));
      for (const [address, tracked] of this.devices) {
        if (!present.has(address)) {
          tracked.helper.removeListeners();
          this.devices.delete(address);
        }
      }
      for (const address of present) {
        if (!this.devices.has(address)) await this.track(adapter, address);
      }
    } catch (error) {
      this.lost(`BlueZ adapter ${running.adapterName}: ${describe(error)}`);
    } finally {
      this.polling = false;
    }
  }

  private async track(adapter: Adapter, address: string): Promise<void> {
    let device: NodeBle.Device;
    try {
      device = await this.call(adapter.getDevice(address));
    } catch {
      return; // gone between listing and reading
    }
    const helper = (device as unknown as { helper: BusHelper }).helper;
    const props = await this.call(helper.props());
    if (!this.running) return;
    const tracked: Tracked = { helper, props };
    this.devices.set(address, tracked);
    helper.on('PropertiesChanged', (changed) => {
      for (const [key, value] of Object.entries(changed)) tracked.props[key] = unwrap(value);
      // Every advertisement updates RSSI (or the data); other changes (Connected…) are not one.
      if ('RSSI' in changed || 'ManufacturerData' in changed || 'ServiceData' in changed) {
        this.report(tracked.props);
      }
    });
    this.report(props);
  }

  private report(props: Record<string, unknown>): void {
    const running = this.running;
    if (!running || !this.healthy) return;
    const ad = toAdvertisement(props, (this.options.now ?? Date.now)());
    if (ad) running.onAdvertisement(ad);
  }

  /** Marks the adapter lost (once) and falls back to the recovery loop. */
  private lost(reason: string): void {
    if (!this.running || !this.healthy) return;
    this.healthy = false;
    this.reconnectMs = RECONNECT_MIN_MS;
    this.running.onStatus({ available: false, reason: redactMacs(reason) });
  }

  /** Power back → discovery restarted; bus or adapter gone → a new session, with back-off. */
  private async recover(): Promise<void> {
    const running = this.running;
    if (!running) return;
    try {
      if (this.adapter && this.session && (await this.call(this.adapter.isPowered()))) {
        await this.startDiscovery(this.adapter);
      } else if (this.adapter && this.session) {
        this.schedule(this.options.pollMs ?? DEVICE_POLL_MS); // still off
        return;
      } else {
        throw new Error('no session');
      }
    } catch {
      // The session is broken (daemon restarted, adapter removed): start a new one.
      this.release();
      try {
        await this.open(running.adapterName);
      } catch {
        this.release();
        this.schedule(this.reconnectMs);
        this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
        return;
      }
    }
    if (!this.running) return;
    this.healthy = true;
    running.onStatus({ available: true });
    await this.poll();
    this.schedule(this.options.pollMs ?? DEVICE_POLL_MS);
  }

  /** A D-Bus call, bounded: a dead connection never answers. */
  private call<T>(promise: Promise<T>): Promise<T> {
    const ms = this.options.callTimeoutMs ?? CALL_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`D-Bus did not answer within ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  /** Drops every device listener and the D-Bus connection. */
  private release(): void {
    for (const tracked of this.devices.values()) tracked.helper.removeListeners();
    this.devices.clear();
    const session = this.session;
    this.session = undefined;
    this.adapter = undefined;
    if (session) {
      try {
        session.destroy();
      } catch {
        // Already closed.
      }
    }
  }
}

/** The dbus-next MessageBus node-ble keeps on its Bluetooth object. */
function busOf(
  session: Session,
): { on(event: 'error', l: (e: unknown) => void): void } | undefined {
  return (
    session.bluetooth as unknown as { dbus?: { on(e: 'error', l: (e: unknown) => void): void } }
  ).dbus;
}

/** A dbus-next Variant's value (nested dict entries stay Variants after node-ble's unwrapping). */
function unwrap(value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'signature' in value && 'value' in value
    ? (value as { value: unknown }).value
    : value;
}

function bytesOf(value: unknown): Uint8Array | undefined {
  const raw = unwrap(value);
  if (raw instanceof Uint8Array) return raw;
  if (Array.isArray(raw) && raw.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Uint8Array.from(raw as number[]);
  }
  return undefined;
}

/** Device1 properties → the SDK's advertisement; null without an address or a current RSSI. */
export function toAdvertisement(
  props: Record<string, unknown>,
  at: number,
): BleAdvertisement | null {
  const address = unwrap(props['Address']);
  const rssi = unwrap(props['RSSI']);
  if (typeof address !== 'string' || typeof rssi !== 'number') return null;
  const manufacturerData = new Map<number, Uint8Array>();
  const mfd = unwrap(props['ManufacturerData']);
  if (mfd !== null && typeof mfd === 'object') {
    for (const [key, value] of Object.entries(mfd)) {
      const bytes = bytesOf(value);
      const company = Number(key);
      if (bytes && Number.isInteger(company)) manufacturerData.set(company, bytes);
    }
  }
  const serviceData = new Map<string, Uint8Array>();
  const sd = unwrap(props['ServiceData']);
  if (sd !== null && typeof sd === 'object') {
    for (const [key, value] of Object.entries(sd)) {
      const bytes = bytesOf(value);
      if (bytes) serviceData.set(key.toLowerCase(), bytes);
    }
  }
  const addressType = unwrap(props['AddressType']);
  const txPower = unwrap(props['TxPower']);
  return {
    address,
    ...(addressType === 'public' || addressType === 'random' ? { addressType } : {}),
    rssi,
    ...(typeof txPower === 'number' ? { txPower } : {}),
    manufacturerData,
    serviceData,
    at,
  };
}

function describe(error: unknown): string {
  return redactMacs(error instanceof Error ? error.message : String(error));
}

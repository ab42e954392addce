import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dbus from 'dbus-next';

/** A bus config that lets anyone own and call anything: a private, throw-away system bus. */
const BUS_CONFIG = (
  socket: string,
) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
`;

const FAKE_BLUEZ = fileURLToPath(new URL('./fake-bluez.py', import.meta.url));
/** Debian's interpreter: python3-dbus and python3-gi are installed for it, not for a pyenv one. */
const PYTHON = process.env['AISLE_TEST_PYTHON'] ?? '/usr/bin/python3';
const STARTUP_TIMEOUT_MS = 10_000;

export interface FakeDevice {
  address: string;
  addressType?: 'public' | 'random';
  /** 0: the device has no RSSI property (not heard recently). */
  rssi: number;
  manufacturerData?: { company: number; hex: string };
  serviceData?: { uuid: string; hex: string };
}

interface ControlInterface {
  AddDevice(...args: unknown[]): Promise<string>;
  Advertise(...args: unknown[]): Promise<void>;
  SetPowered(powered: boolean): Promise<void>;
  RemoveDevice(path: string): Promise<void>;
  RemoveAdapter(): Promise<void>;
  Calls(): Promise<string[]>;
  Quit(): Promise<void>;
}

/**
 * A private `dbus-daemon` (system-bus config, socket in a temp folder) with a fake `org.bluez`
 * (fake-bluez.py) on it, for testing the BlueZ adapter's real node-ble code path without a radio.
 * `address` goes into DBUS_SYSTEM_BUS_ADDRESS. Always `stop()` it: a leaked daemon hangs Jest.
 */
export class PrivateBluez {
  private daemon: ChildProcess | undefined;
  private fake: ChildProcess | undefined;
  private client: dbus.MessageBus | undefined;
  private control: ControlInterface | undefined;

  private constructor(
    private readonly dir: string,
    readonly address: string,
  ) {}

  static async start(): Promise<PrivateBluez> {
    const dir = await mkdtemp(join(tmpdir(), 'aisle-dbus-'));
    const sut = new PrivateBluez(dir, `unix:path=${join(dir, 'bus')}`);
    try {
      await writeFile(join(dir, 'bus.conf'), BUS_CONFIG(join(dir, 'bus')));
      await sut.startDaemon();
      await sut.startFake();
    } catch (error) {
      await sut.stop();
      throw error;
    }
    return sut;
  }

  /** Starts the daemon (again, after `killDaemon`) on the same socket. */
  async startDaemon(): Promise<void> {
    const daemon = spawn(
      'dbus-daemon',
      ['--config-file', join(this.dir, 'bus.conf'), '--nofork', '--print-address'],
      // Its stderr (fd-limit warnings when not root) is noise; a failed start is reported.
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.daemon = daemon;
    await waitForLine(daemon, (line) => line.startsWith('unix:'), 'dbus-daemon');
  }

  /** Starts the fake org.bluez (again) with a powered adapter hci0 and no devices. */
  async startFake(): Promise<void> {
    // Its stderr is only a traceback when the daemon is killed under it (outage tests).
    const fake = spawn(PYTHON, [FAKE_BLUEZ, this.address], {
      stdio: ['ignore', 'pipe', process.env['AISLE_FAKE_BLUEZ_DEBUG'] ? 'inherit' : 'ignore'],
    });
    this.fake = fake;
    await waitForLine(fake, (line) => line === 'ready', 'fake-bluez.py');
    this.client?.disconnect();
    this.client = dbus.sessionBus({ busAddress: this.address });
    this.client.on('error', () => undefined); // the daemon may be killed on purpose
    const object = await this.client.getProxyObject('org.bluez', '/fake');
    this.control = object.getInterface('com.example.FakeBluez') as unknown as ControlInterface;
  }

  /** Adds a device; returns its object path. */
  addDevice(device: FakeDevice): Promise<string> {
    return this.ctl().AddDevice(
      device.address,
      device.addressType ?? 'public',
      device.rssi,
      device.manufacturerData?.company ?? 0,
      device.manufacturerData?.hex ?? '',
      device.serviceData?.uuid ?? '',
      device.serviceData?.hex ?? '',
    );
  }

  /** A new advertisement of a known device: PropertiesChanged(RSSI[, ManufacturerData]). */
  advertise(
    path: string,
    rssi: number,
    manufacturerData?: { company: number; hex: string },
  ): Promise<void> {
    return this.ctl().Advertise(
      path,
      rssi,
      manufacturerData?.company ?? 0,
      manufacturerData?.hex ?? '',
    );
  }

  setPowered(powered: boolean): Promise<void> {
    return this.ctl().SetPowered(powered);
  }

  removeDevice(path: string): Promise<void> {
    return this.ctl().RemoveDevice(path);
  }

  removeAdapter(): Promise<void> {
    return this.ctl().RemoveAdapter();
  }

  /** Adapter methods called so far (`SetDiscoveryFilter:Transport=le`, `StartDiscovery`, …). */
  calls(): Promise<string[]> {
    return this.ctl().Calls();
  }

  /** Kills the daemon (a D-Bus outage); the fake exits with it. */
  async killDaemon(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
    this.control = undefined;
    await Promise.all([kill(this.daemon), exited(this.fake)]);
    this.daemon = undefined;
    this.fake = undefined;
  }

  async stop(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
    await Promise.all([kill(this.fake), kill(this.daemon)]);
    this.fake = undefined;
    this.daemon = undefined;
    await rm(this.dir, { recursive: true, force: true });
  }

  private ctl(): ControlInterface {
    if (!this.control) throw new Error('the fake BlueZ is not running');
    return this.control;
  }
}

function waitForLine(
  child: ChildProcess,
  matches: (line: string) => boolean,
  name: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS} ms`));
    }, STARTUP_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name} could not be started: ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.split('\n').some((line) => matches(line.trim()))) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await done;
  clearTimeout(timer);
}

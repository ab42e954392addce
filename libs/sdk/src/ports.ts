/**
 * Hardware reaches plugins only through these ports; `@aisle/hardware` implements them over real
 * I/O and `@aisle/sdk/testing` provides fakes, so every plugin is testable without a radio.
 */
export type Unsubscribe = () => Promise<void> | void;

/** MQTT subscription on the hub's broker (embedded or external). */
export interface MqttPort {
  /** Subscribes to a topic filter (`+` and `#` wildcards); the handler gets the raw payload. */
  subscribe(
    topicFilter: string,
    handler: (topic: string, payload: Buffer) => void,
  ): Promise<Unsubscribe>;
  publish(topic: string, payload: string | Buffer): Promise<void>;
}

export interface PushRequest {
  method: 'GET' | 'POST';
  /** Path below the plugin's mount point. */
  path: string;
  headers: Readonly<Record<string, string | undefined>>;
  query: Readonly<Record<string, string | undefined>>;
  /** Raw body bytes (JSON is the plugin's to parse and validate). */
  body: Buffer;
}

export interface PushResponse {
  status: number;
  body?: string | object;
  contentType?: string;
}

export interface PushRoute {
  method: 'GET' | 'POST';
  /** Relative path, e.g. `meraki` → served at `/push/<domain>/<sensorId>/meraki`. */
  path: string;
  handle(request: PushRequest): Promise<PushResponse> | PushResponse;
}

/** HTTP endpoint on the hub that devices or vendor clouds push to. */
export interface HttpPushPort {
  /** Registers a route; returns its public URL path. */
  route(route: PushRoute): { path: string; unregister: Unsubscribe };
}

export interface BleAdvertisement {
  address: string;
  addressType?: 'public' | 'random';
  rssi: number;
  txPower?: number;
  /** Company id → bytes. */
  manufacturerData: ReadonlyMap<number, Uint8Array>;
  /** Service UUID (lower-case, 16-bit as `0000xxxx-…` or short `xxxx`) → bytes. */
  serviceData: ReadonlyMap<string, Uint8Array>;
  /** Epoch ms. */
  at: number;
}

/** A BLE scanner on the host (BlueZ over D-Bus). */
export interface BleScannerPort {
  /** Starts discovery on an adapter; throws PluginNotReadyError when it is absent. */
  start(options: {
    adapter?: string;
    onAdvertisement: (ad: BleAdvertisement) => void;
    /**
     * The scanner lost the adapter (powered off, removed, D-Bus disconnected) or got it back
     * (discovery running again); it recovers by itself.
     */
    onStatus?: (status: BleScannerStatus) => void;
  }): Promise<void>;
  stop(): Promise<void>;
}

export type BleScannerStatus = { available: true } | { available: false; reason: string };

export interface CapturedFrame {
  /** Epoch ms (fractional for sub-ms capture timestamps). */
  at: number;
  /** pcap link type: 127 radiotap, 105 raw 802.11. */
  linkType: number;
  data: Uint8Array;
}

/** 802.11 frames from a capture file or a monitor-mode interface. */
export interface FrameSourcePort {
  open(
    spec: { file: string } | { interface: string },
    signal: AbortSignal,
  ): AsyncIterable<CapturedFrame>;
}

export interface Ports {
  mqtt?: MqttPort;
  http?: HttpPushPort;
  ble?: BleScannerPort;
  frames?: FrameSourcePort;
}

export const PORT_NAMES = ['mqtt', 'http', 'ble', 'frames'] as const;
export type PortName = (typeof PORT_NAMES)[number];

export type Role = 'admin' | 'store-manager' | 'integrator' | 'subscriber' | 'loyalty';

export interface Session {
  keyId: string;
  name: string;
  role: Role;
  stores: { id: string; name: string }[];
}

export interface Point {
  x: number;
  y: number;
}

export interface Store {
  id: string;
  name: string;
  timezone: string;
  width: number;
  height: number;
  policy: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Zone {
  storeId: string;
  id: string;
  name: string;
  polygon: Point[];
  tags: string[];
}

export interface Sensor {
  storeId: string;
  id: string;
  domain: string;
  name: string | null;
  x: number;
  y: number;
  z: number;
  config: Record<string, unknown>;
  enabled: boolean;
}

export interface LivePosition {
  subject: string;
  kind: string;
  x: number;
  y: number;
  uncertainty: number;
  zoneId: string | null;
  at: string;
}

export interface LiveSensor {
  sensorId: string;
  domain: string;
  status: string;
  available: boolean | null;
  reason: string | null;
  error: string | null;
  lastSightingAt: string | null;
}

export interface LiveSnapshot {
  storeId: string;
  at: string;
  mode: string;
  reason: string | null;
  maxAgeSeconds: number;
  positions: LivePosition[];
  zones: { zoneId: string; count: number }[];
  sensors: LiveSensor[];
  occupancy: { estimate: number | null; suppressed: boolean; end: string } | null;
}

export interface Coverage {
  storeId: string;
  step: number;
  cols: number;
  rows: number;
  rmse: (number | null)[];
  [extra: string]: unknown;
}

export interface MetricPoint {
  start: string;
  value: number | null;
  suppressed: boolean;
  [extra: string]: unknown;
}

export interface MetricResponse {
  storeId: string;
  metric: string;
  bucket: string;
  k: number | null;
  series?: MetricPoint[];
  figure?: Record<string, unknown>;
}

export interface Heatmap {
  cols: number;
  rows: number;
  cellSize?: number;
  dwellSeconds: (number | null)[];
  visits: (number | null)[];
  [extra: string]: unknown;
}

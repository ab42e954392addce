export interface BrokerStatusValue {
  connected: boolean;
  url: string;
  message?: string;
}

/** Reads the MQTT connection's state (a function, so health always sees the current one). */
export type BrokerStatus = () => BrokerStatusValue;

export const BROKER_STATUS = Symbol('BROKER_STATUS');

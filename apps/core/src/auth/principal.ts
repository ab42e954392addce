import type { Request } from 'express';
import type { ApiRole } from '@aisle/persistence';

/** Who made the request: recorded on the request by `ApiKeyGuard`. */
export interface Principal {
  keyId: string;
  role: ApiRole;
  /** Stores a scoped key may reach; ignored for `admin` (sees every store). */
  storeIds: string[];
}

export type AuthenticatedRequest = Request & { principal?: Principal };

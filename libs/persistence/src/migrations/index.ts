import { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
import { OptOuts1763942400000 } from './1763942400000-opt-outs.js';
import { PolicyVersions1764028800000 } from './1764028800000-policy-versions.js';
import { FixedDevices1764115200000 } from './1764115200000-fixed-devices.js';
import { Members1764201600000 } from './1764201600000-members.js';
import { AuditLog1764288000000 } from './1764288000000-audit-log.js';
import { Coupons1765500000000 } from './1765500000000-coupons.js';
import { Aggregates1765100000000 } from './1765100000000-aggregates.js';
import { Webhooks1764900000000 } from './1764900000000-webhooks.js';
import { WebhookPendingIndex1765600000000 } from './1765600000000-webhook-pending-index.js';
import { StoreFloorPlans1765700000000 } from './1765700000000-store-floor-plans.js';
import { MessageReceipts1765800000000 } from './1765800000000-message-receipts.js';
import { MessageReceiptBatches1765900000000 } from './1765900000000-message-receipt-batches.js';

export { InitialSchema1763856000000 } from './1763856000000-initial-schema.js';
export { OptOuts1763942400000 } from './1763942400000-opt-outs.js';
export { PolicyVersions1764028800000 } from './1764028800000-policy-versions.js';
export { FixedDevices1764115200000 } from './1764115200000-fixed-devices.js';
export { Members1764201600000 } from './1764201600000-members.js';
export { AuditLog1764288000000 } from './1764288000000-audit-log.js';
export { Coupons1765500000000 } from './1765500000000-coupons.js';
export { Aggregates1765100000000 } from './1765100000000-aggregates.js';
export { Webhooks1764900000000 } from './1764900000000-webhooks.js';
export { WebhookPendingIndex1765600000000 } from './1765600000000-webhook-pending-index.js';
export { StoreFloorPlans1765700000000 } from './1765700000000-store-floor-plans.js';
export { MessageReceipts1765800000000 } from './1765800000000-message-receipts.js';
export { MessageReceiptBatches1765900000000 } from './1765900000000-message-receipt-batches.js';

/** Every migration, oldest first. A new one is appended here (never edit a released one). */
export const MIGRATIONS = [
  InitialSchema1763856000000,
  OptOuts1763942400000,
  PolicyVersions1764028800000,
  FixedDevices1764115200000,
  Members1764201600000,
  AuditLog1764288000000,
  Webhooks1764900000000,
  Aggregates1765100000000,
  Coupons1765500000000,
  WebhookPendingIndex1765600000000,
  StoreFloorPlans1765700000000,
  MessageReceipts1765800000000,
  MessageReceiptBatches1765900000000,
];

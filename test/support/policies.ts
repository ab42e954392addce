/** A complete shopper notice, so tests can turn tracking on (any mode but `off` requires one). */
export const TEST_NOTICE = {
  controllerName: 'Example Retail GmbH',
  purpose: 'to count visitors and learn which aisles are busy',
  signage: {
    text: 'This store counts visitors with Wi-Fi and Bluetooth sensors.',
    placement: 'at both entrances, at eye level',
  },
  noticeUrl: 'https://example.com/privacy/store',
  optOutInstructions: 'submit your phone at /opt-out or ask at the till',
  retentionStatement: 'device data is kept for 24 hours; counts for 13 months',
  dpiaReference: 'DPIA-2026-07',
};

/** A store policy document with tracking on in `mode`. */
export function trackingPolicy(
  mode: 'count-only' | 'in-visit' | 'consented' = 'in-visit',
  extra: object = {},
): object {
  return { mode, notice: TEST_NOTICE, ...extra };
}

/** Provider token of the hub's {@link HubWebhooks}. */
export const HUB_WEBHOOKS = 'HUB_WEBHOOKS';

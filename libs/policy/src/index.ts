export * from './notice.js';
export * from './store-policy.js';
export * from './public-notice.js';
export * from './opt-out.js';
export * from './retention.js';
export * from './tracking-hours.js';
export * from './consent.js';
export * from './analytics.js';

export * from './notice.js';
export * from './store-policy.js';
export * from './public-notice.js';

export * from './notice.js';
export * from './store-policy.js';

export * from './hand-off.js';
export * from './hand-off.module.js';
export * from './messages.js';
export * from './store-owner.js';

export * from './probe-association.js';
export * from './probe-occupancy.js';
export * from './derive-options.js';
export * from './probe-thinning.js';

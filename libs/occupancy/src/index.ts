export * from './probe-occupancy.js';

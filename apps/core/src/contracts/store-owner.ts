/**
 * Which stores' stateful stages (localisation tracks, sessions, occupancy windows) this process
 * runs. One process (`AISLE_ROLE=all`) runs every store; a worker of a chain only the stores it
 * owns (PostgreSQL advisory locks, see bus/store-ownership.ts). Store-wide events
 * (`occupancy.changed`, `aggregate.hourly`) come from the owner only.
 */
export interface StoreOwner {
  owns(storeId: string): boolean;
}

/** Provided in a chain; absent in one process (every store is this process's). */
export const STORE_OWNER = Symbol('STORE_OWNER');

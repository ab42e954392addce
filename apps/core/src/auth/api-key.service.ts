import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { ApiKeyEntity, API_ROLES, type ApiRole } from '@aisle/persistence';
import type { FieldError } from '@aisle/sdk';
import { SLUG_MESSAGE, SLUG_PATTERN } from '../api/common/slug.js';
import { ConflictError, DomainValidationError, NotFoundError } from '../http/domain-errors.js';
import {
  API_KEY_FORMAT_HINT,
  generateApiKey,
  hashSecret,
  parseApiKey,
  secretMatches,
} from './api-key-format.js';
import type { Principal } from './principal.js';

/** What the API shows of a key: never the secret nor its hash. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  role: ApiRole;
  storeIds: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export interface CreateApiKeyInput {
  name: string;
  role: ApiRole;
  storeIds?: string[];
}

export type VerifyResult =
  { ok: true; principal: Principal } | { ok: false; reason: 'malformed' | 'invalid' | 'revoked' };

/** Name of the key created from `AISLE_ADMIN_KEY` or generated at first start. */
export const BOOTSTRAP_ADMIN_NAME = 'bootstrap admin';
/**
 * Advisory lock held while the bootstrap admin is ensured, so two hubs starting together on one
 * database do not both generate a key. Arbitrary constant ("aisle" in ASCII).
 */
const BOOTSTRAP_LOCK_ID = 0x616973_6c65;
/** Compared against when the key id is unknown, so unknown and wrong keys take the same time. */
const DUMMY_HASH = hashSecret('no such key');

/** Roles whose keys are scoped to stores and useless without at least one. */
const SCOPED_ROLES: readonly ApiRole[] = ['store-manager', 'integrator'];

/**
 * API keys: `ak_<id>.<secret>`, of which only the SHA-256 of the secret is stored. The plaintext
 * leaves this class once, from `create` (or `ensureBootstrapAdmin` when it generates one).
 */
@Injectable()
export class ApiKeyService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Creates a key; the returned `key` is the only copy of the plaintext. */
  async create(input: CreateApiKeyInput): Promise<{ key: string; info: ApiKeyInfo }> {
    const errors = apiKeyInputErrors(input);
    if (errors.length === 0) errors.push(...(await this.unknownStoreErrors(input.storeIds ?? [])));
    if (errors.length > 0) throw new DomainValidationError(errors);
    const generated = generateApiKey();
    // insert, never save: a (very unlikely) id collision must fail, not overwrite another key.
    await this.repo().insert({
      id: generated.id,
      name: input.name,
      role: input.role,
      storeIds: input.role === 'admin' ? [] : [...new Set(input.storeIds ?? [])],
      secretHash: hashSecret(generated.secret),
      revokedAt: null,
    });
    const entity = await this.repo().findOneByOrFail({ id: generated.id });
    return { key: generated.key, info: toInfo(entity) };
  }

  /** A key scoped to a store that does not exist (a typo) would silently reach nothing. */
  private async unknownStoreErrors(storeIds: readonly string[]): Promise<FieldError[]> {
    if (storeIds.length === 0) return [];
    const rows = await this.dataSource.query<{ id: string }[]>(
      'SELECT id FROM stores WHERE id = ANY($1::text[])',
      [[...storeIds]],
    );
    const known = new Set(rows.map((r) => r.id));
    return storeIds.flatMap((id, i) =>
      known.has(id)
        ? []
        : [{ field: `storeIds[${i}]`, value: id, message: 'must be an existing store' }],
    );
  }

  /** Checks a presented key in constant time (per key); revoked keys are refused. */
  async verify(presented: string): Promise<VerifyResult> {
    const parsed = parseApiKey(presented);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const entity = await this.repo().findOneBy({ id: parsed.id });
    const matches = secretMatches(parsed.secret, entity?.secretHash ?? DUMMY_HASH);
    if (!entity || !matches) return { ok: false, reason: 'invalid' };
    if (entity.revokedAt !== null) return { ok: false, reason: 'revoked' };
    return {
      ok: true,
      principal: { keyId: entity.id, role: entity.role, storeIds: [...entity.storeIds] },
    };
  }

  /** Every key, revoked ones included (they stay for the record), oldest first. */
  async list(): Promise<ApiKeyInfo[]> {
    const keys = await this.repo().find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return keys.map(toInfo);
  }

  /** Revokes a key (idempotent). Refuses to revoke the last active admin key. */
  async revoke(id: string): Promise<ApiKeyInfo> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ApiKeyEntity);
      const entity = await repo.findOneBy({ id });
      if (!entity) throw new NotFoundError('API key', id);
      if (entity.revokedAt !== null) return toInfo(entity);
      if (entity.role === 'admin') {
        const admins = await repo.countBy({ role: 'admin', revokedAt: IsNull() });
        if (admins <= 1) {
          throw new ConflictError(
            `API key ${id} is the last active admin key; create another admin key before revoking it`,
          );
        }
      }
      entity.revokedAt = new Date();
      return toInfo(await repo.save(entity));
    });
  }

  /**
   * Makes sure an admin can log in. With `adminKey` (from `AISLE_ADMIN_KEY`): stores it as the
   * bootstrap admin (updating its hash if the id exists; a revoked one is refused, so a leaked
   * key revoked through the API does not come back with a restart). Without: when no active
   * admin key exists, generates one and returns it — the caller prints it once.
   */
  async ensureBootstrapAdmin(
    options: { adminKey?: string } = {},
  ): Promise<{ key?: string; created: boolean }> {
    const given = options.adminKey === undefined ? undefined : parseBootstrapKey(options.adminKey);
    return this.dataSource.transaction(async (manager) => {
      await lockBootstrap(manager);
      const repo = manager.getRepository(ApiKeyEntity);
      if (given) {
        const existing = await repo.findOneBy({ id: given.id });
        if (existing && existing.role !== 'admin') {
          throw new Error(
            `AISLE_ADMIN_KEY has the id of an existing ${existing.role} key (${given.id}); choose another key`,
          );
        }
        if (existing?.revokedAt) {
          throw new Error(
            `AISLE_ADMIN_KEY ${given.id} was revoked; set AISLE_ADMIN_KEY to a new key (${API_KEY_FORMAT_HINT})`,
          );
        }
        await repo.save(
          repo.create({
            ...(existing ?? {}),
            id: given.id,
            name: existing?.name ?? BOOTSTRAP_ADMIN_NAME,
            role: 'admin',
            storeIds: [],
            secretHash: hashSecret(given.secret),
            revokedAt: null,
          }),
        );
        return { created: !existing };
      }
      const admins = await repo.countBy({ role: 'admin', revokedAt: IsNull() });
      if (admins > 0) return { created: false };
      const generated = generateApiKey();
      await repo.insert({
        id: generated.id,
        name: BOOTSTRAP_ADMIN_NAME,
        role: 'admin',
        storeIds: [],
        secretHash: hashSecret(generated.secret),
        revokedAt: null,
      });
      return { key: generated.key, created: true };
    });
  }

  private repo() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }
}

function parseBootstrapKey(text: string): { id: string; secret: string } {
  const parsed = parseApiKey(text);
  if (!parsed) {
    throw new Error(
      `AISLE_ADMIN_KEY does not look like an API key: expected ${API_KEY_FORMAT_HINT}`,
    );
  }
  return parsed;
}

async function lockBootstrap(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_ID]);
}

/** Rules a DTO cannot express: scoped roles need stores, admin keys take none. */
export function apiKeyInputErrors(input: CreateApiKeyInput): FieldError[] {
  const errors: FieldError[] = [];
  if (!API_ROLES.includes(input.role)) {
    errors.push({
      field: 'role',
      value: input.role,
      message: `must be one of ${API_ROLES.join(', ')}`,
    });
  }
  const storeIds = input.storeIds ?? [];
  if (input.role === 'admin' && storeIds.length > 0) {
    errors.push({
      field: 'storeIds',
      value: storeIds,
      message: 'must be empty for an admin key (admin keys reach every store)',
    });
  }
  if (SCOPED_ROLES.includes(input.role) && storeIds.length === 0) {
    errors.push({
      field: 'storeIds',
      value: input.storeIds,
      message: `must list at least one store for a ${input.role} key`,
    });
  }
  storeIds.forEach((id, i) => {
    if (!SLUG_PATTERN.test(id)) {
      errors.push({ field: `storeIds[${i}]`, value: id, message: SLUG_MESSAGE });
    }
  });
  return errors;
}

function toInfo(entity: ApiKeyEntity): ApiKeyInfo {
  return {
    id: entity.id,
    name: entity.name,
    role: entity.role,
    storeIds: [...entity.storeIds],
    createdAt: entity.createdAt,
    revokedAt: entity.revokedAt,
  };
}

import { randomBytes } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import {
  CouponIssueEntity,
  MemberConsentEntity,
  MemberEntity,
  MemberVisitEntity,
  audit,
} from '@aisle/persistence';
import { CONSENT_SCOPES, isConsentScope, type ConsentScope } from '@aisle/policy';
import type { Clock, FieldError } from '@aisle/sdk';
import { ConflictError, DomainValidationError, NotFoundError } from '../../http/domain-errors.js';

export interface ConsentRecord {
  scope: string;
  grantedAt: string;
  withdrawnAt: string | null;
}

export interface MemberView {
  id: string;
  appIdentity: string;
  createdAt: string;
  /** Scopes in force now. */
  consents: ConsentScope[];
  /** Every grant and withdrawal. */
  history: ConsentRecord[];
}

/** Everything held about a member (data-subject access). */
export interface MemberExport {
  exportedAt: string;
  member: MemberView;
  /** Visits the member's app reported, kept only with analytics-linking consent. */
  visits: { storeId: string; startedAt: string }[];
  coupons: {
    id: string;
    storeId: string;
    ruleId: string;
    issuedAt: string;
    expiresAt: string;
    dismissedAt: string | null;
  }[];
  note: string;
}

/**
 * Members registered by the loyalty provider, with consent scopes. Consent in force is also held in
 * memory so checks cost nothing; withdrawal takes effect there before the database is written.
 */
export class MembersService {
  private readonly inForce = new Map<string, Set<ConsentScope>>();
  private readonly forgetListeners: ((memberId: string) => void)[] = [];

  private constructor(private readonly deps: { dataSource: DataSource; clock: Clock }) {}

  static async open(deps: { dataSource: DataSource; clock: Clock }): Promise<MembersService> {
    const sut = new MembersService(deps);
    const rows = await deps.dataSource
      .getRepository(MemberConsentEntity)
      .findBy({ withdrawnAt: IsNull() });
    for (const row of rows) if (isConsentScope(row.scope)) sut.scopes(row.memberId).add(row.scope);
    return sut;
  }

  /** Called when a member's linked data must go (erasure, withdrawn linking consent). */
  onForget(listener: (memberId: string) => void): void {
    this.forgetListeners.push(listener);
  }

  /** Whether the member has this consent now (synchronous, for the event path). */
  hasConsent(memberId: string, scope: ConsentScope): boolean {
    return this.inForce.get(memberId)?.has(scope) ?? false;
  }

  async register(
    input: { appIdentity: unknown; consents: unknown },
    actor = 'api',
  ): Promise<MemberView> {
    const errors: FieldError[] = [];
    const appIdentity = typeof input.appIdentity === 'string' ? input.appIdentity.trim() : '';
    if (appIdentity.length < 1 || appIdentity.length > 200) {
      errors.push({
        field: 'appIdentity',
        value: input.appIdentity,
        message: 'must be the member’s app identity (1–200 characters)',
      });
    }
    const consents = input.consents ?? [];
    if (!Array.isArray(consents) || !consents.every(isConsentScope)) {
      errors.push({
        field: 'consents',
        value: consents,
        message: `must be a list of ${CONSENT_SCOPES.join(', ')}`,
      });
    }
    if (errors.length > 0) throw new DomainValidationError(errors);
    const repo = this.deps.dataSource.getRepository(MemberEntity);
    if (await repo.existsBy({ appIdentity })) {
      throw new ConflictError('a member with this appIdentity exists', 'appIdentity');
    }
    const id = `mem_${randomBytes(9).toString('base64url')}`;
    await repo.insert({ id, appIdentity });
    await audit(this.deps.dataSource, {
      actor,
      action: 'member.registered',
      subject: `member:${id}`,
    });
    for (const scope of new Set(consents as ConsentScope[])) await this.grant(id, scope, actor);
    return this.get(id);
  }

  /**
   * One page of members, newest first, with their consent history (the admin's privacy desk).
   * Audited: reading who the members are is itself a privacy-relevant act.
   */
  async list(
    page: { limit: number; offset: number },
    actor = 'api',
  ): Promise<{ total: number; members: MemberView[] }> {
    const [rows, total] = await this.deps.dataSource.getRepository(MemberEntity).findAndCount({
      order: { createdAt: 'DESC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    const members: MemberView[] = [];
    for (const row of rows) members.push(await this.get(row.id));
    await audit(this.deps.dataSource, {
      actor,
      action: 'members.listed',
      detail: { limit: page.limit, offset: page.offset, returned: members.length },
    });
    return { total, members };
  }

  async get(id: string): Promise<MemberView> {
    const member = await this.deps.dataSource.getRepository(MemberEntity).findOneBy({ id });
    if (!member) throw new NotFoundError('member', id);
    const history = await this.deps.dataSource
      .getRepository(MemberConsentEntity)
      .find({ where: { memberId: id }, order: { grantedAt: 'ASC' } });
    return {
      id: member.id,
      appIdentity: member.appIdentity,
      createdAt: member.createdAt.toISOString(),
      consents: [...(this.inForce.get(id) ?? [])].sort(),
      history: history.map((h) => ({
        scope: h.scope,
        grantedAt: h.grantedAt.toISOString(),
        withdrawnAt: h.withdrawnAt?.toISOString() ?? null,
      })),
    };
  }

  async grant(id: string, scope: unknown, actor = 'api'): Promise<MemberView> {
    const valid = this.scopeOf(scope);
    await this.assertExists(id);
    if (!this.hasConsent(id, valid)) {
      await this.deps.dataSource.getRepository(MemberConsentEntity).insert({
        memberId: id,
        scope: valid,
        grantedAt: new Date(this.deps.clock.now()),
        withdrawnAt: null,
      });
      this.scopes(id).add(valid);
      await audit(this.deps.dataSource, {
        actor,
        action: 'consent.granted',
        subject: `member:${id}`,
        detail: { scope: valid },
      });
    }
    return this.get(id);
  }

  /** Withdrawal takes effect at once: in memory first, then in the database. */
  async withdraw(id: string, scope: unknown, actor = 'api'): Promise<MemberView> {
    const valid = this.scopeOf(scope);
    await this.assertExists(id);
    this.inForce.get(id)?.delete(valid);
    await this.deps.dataSource
      .getRepository(MemberConsentEntity)
      .update(
        { memberId: id, scope: valid, withdrawnAt: IsNull() },
        { withdrawnAt: new Date(this.deps.clock.now()) },
      );
    if (valid === 'analytics-linking') {
      // Without linking consent, visits may no longer be linked: the linked history goes.
      for (const listener of this.forgetListeners) listener(id);
      await this.deps.dataSource.getRepository(MemberVisitEntity).delete({ memberId: id });
    }
    await audit(this.deps.dataSource, {
      actor,
      action: 'consent.withdrawn',
      subject: `member:${id}`,
      detail: { scope: valid },
    });
    return this.get(id);
  }

  /** Data-subject access: everything held about the member, as JSON. */
  async export(id: string, actor = 'api'): Promise<MemberExport> {
    const member = await this.get(id);
    const visits = await this.deps.dataSource
      .getRepository(MemberVisitEntity)
      .find({ where: { memberId: id }, order: { startedAt: 'ASC' } });
    const coupons = await this.deps.dataSource
      .getRepository(CouponIssueEntity)
      .find({ where: { memberId: id }, order: { issuedAt: 'ASC' } });
    await audit(this.deps.dataSource, {
      actor,
      action: 'member.exported',
      subject: `member:${id}`,
    });
    return {
      exportedAt: new Date(this.deps.clock.now()).toISOString(),
      member,
      visits: visits.map((v) => ({ storeId: v.storeId, startedAt: v.startedAt.toISOString() })),
      coupons: coupons.map((c) => ({
        id: c.id,
        storeId: c.storeId,
        ruleId: c.ruleId,
        issuedAt: c.issuedAt.toISOString(),
        expiresAt: c.expiresAt.toISOString(),
        dismissedAt: c.dismissedAt?.toISOString() ?? null,
      })),
      note: 'Aisle keeps no sightings linked to members: device data is pseudonymous, re-keyed at least daily and never joined to a member identity. Listed above: the visits your app reported (kept only while you allow linking visits) and the offers you were sent.',
    };
  }

  /** Data-subject erasure: the member and every consent record, across stores. */
  async erase(id: string, actor = 'api'): Promise<void> {
    await this.assertExists(id);
    this.inForce.delete(id);
    for (const listener of this.forgetListeners) listener(id);
    await this.deps.dataSource.transaction(async (manager) => {
      await manager.getRepository(MemberVisitEntity).delete({ memberId: id });
      await manager.getRepository(CouponIssueEntity).delete({ memberId: id });
      await manager.getRepository(MemberConsentEntity).delete({ memberId: id });
      await manager.getRepository(MemberEntity).delete({ id });
      await audit(manager, { actor, action: 'member.erased', subject: `member:${id}` });
    });
  }

  private scopeOf(scope: unknown): ConsentScope {
    if (!isConsentScope(scope)) {
      throw new DomainValidationError([
        { field: 'scope', value: scope, message: `must be one of ${CONSENT_SCOPES.join(', ')}` },
      ]);
    }
    return scope;
  }

  private scopes(id: string): Set<ConsentScope> {
    let set = this.inForce.get(id);
    if (!set) this.inForce.set(id, (set = new Set()));
    return set;
  }

  private async assertExists(id: string): Promise<void> {
    if (!(await this.deps.dataSource.getRepository(MemberEntity).existsBy({ id }))) {
      throw new NotFoundError('member', id);
    }
  }
}

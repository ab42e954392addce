import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { IsNull, LessThan, MoreThan, Not, type DataSource, type EntityManager } from 'typeorm';
import { CouponIssueEntity, MemberVisitEntity, audit } from '@aisle/persistence';
import {
  COUPON_HISTORY_MS,
  decideCoupons,
  isSensitiveZone,
  type CouponDecision,
  type CouponRule,
  type CouponTriggerInput,
} from '@aisle/policy';
import type { AisleEvent, Clock, FieldError, OfferCandidate } from '@aisle/sdk';
import type { EventBus } from '../../events/event-bus.js';
import { DomainValidationError, NotFoundError } from '../../http/domain-errors.js';
import { OPT_OUT_PATH } from '../notice/notice.controller.js';
import type { StoreDirectory } from '../../stores/store-directory.js';
import type { MembersService } from './members.service.js';

/** What a member's app reports about its own presence, through the loyalty provider. */
export const PRESENCE_TYPES = [
  'store-entered',
  'zone-entered',
  'zone-exited',
  'store-left',
] as const;
export type PresenceType = (typeof PRESENCE_TYPES)[number];

/** A visit with no report for this long is over (the app went quiet or the member left). */
export const MEMBER_VISIT_IDLE_MS = 2 * 3_600_000;
/** How often dwell rules are evaluated for members standing in a zone. */
export const DWELL_TICK_MS = 5_000;
/** Offers are kept this long for the member's export, then deleted. */
export const COUPON_RETENTION_MS = 90 * 24 * 3_600_000;

/** Where events caused by a database change are written, in that change's transaction. */
export interface TransactionalOutbox {
  enqueueIn(manager: EntityManager, events: readonly AisleEvent[]): Promise<unknown>;
}

export interface CouponView {
  id: string;
  storeId: string;
  ruleId: string;
  issuedAt: string;
  expiresAt: string;
  dismissedAt: string | null;
}

export interface PresenceResult {
  visitId: string;
  /** Rules decided by this report, issued or denied, with the reason. */
  decisions: CouponDecision[];
}

interface OpenVisit {
  visitId: string;
  memberId: string;
  storeId: string;
  startedAt: number;
  lastReportAt: number;
  zoneId: string | null;
  zoneEnteredAt: number | null;
  decided: Set<string>;
}

interface StoreFacts {
  timezone: string;
  zoneTags: Map<string, readonly string[]>;
}

/**
 * Members' presence in stores, as their own app reports it (never derived from sightings), and
 * the coupon decisions it leads to. Every decision is audited; issued offers go out as
 * `coupon.issued`. Presence in a sensitive zone is not even remembered: the visit's current zone
 * is cleared, so nothing downstream can know the member was there.
 */
export class MemberPresenceService {
  private readonly visits = new Map<string, OpenVisit>();
  private timer: ReturnType<Clock['setInterval']> | undefined;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      dataSource: DataSource;
      clock: Clock;
      events: EventBus;
      /** The webhook outbox: `coupon.issued` is written with its `coupon_issues` row. */
      outbox: TransactionalOutbox;
      members: MembersService;
      directory: StoreDirectory;
      logger: Logger;
      /** The store's policy modules: the veto reason of an offer, or undefined to let it go. */
      vetoOffer?: (offer: OfferCandidate) => string | undefined;
    },
  ) {}

  start(): void {
    this.timer ??= this.deps.clock.setInterval(() => {
      this.ticking = this.ticking
        .then(() => this.tick())
        .catch((error: unknown) => {
          this.deps.logger.error(`member presence tick failed: ${(error as Error).message}`);
        });
    }, DWELL_TICK_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) this.deps.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  async report(
    memberId: string,
    input: { storeId: unknown; type: unknown; zoneId?: unknown },
    actor: string,
  ): Promise<PresenceResult> {
    await this.deps.members.get(memberId);
    const { storeId, type, zoneId } = this.validate(input);
    const facts = await this.storeFacts(storeId);
    if (zoneId !== undefined && !facts.zoneTags.has(zoneId)) {
      throw new DomainValidationError([
        { field: 'zoneId', value: zoneId, message: `is not a zone of store ${storeId}` },
      ]);
    }
    const now = this.deps.clock.now();
    const key = `${memberId}\u0000${storeId}`;
    let visit = this.visits.get(key);
    const decisions: CouponDecision[] = [];
    if (type === 'store-entered' || !visit) {
      if (visit) this.visits.delete(key);
      visit = await this.open({ key, memberId, storeId, now, actor, decisions, facts });
    }
    visit.lastReportAt = now;
    switch (type) {
      case 'store-entered':
        break;
      case 'zone-entered': {
        const tags = facts.zoneTags.get(zoneId ?? '') ?? [];
        if (isSensitiveZone(tags)) {
          // Not remembered: the rule engine never hears of it, and the current zone is cleared.
          visit.zoneId = null;
          visit.zoneEnteredAt = null;
          break;
        }
        visit.zoneId = zoneId ?? null;
        visit.zoneEnteredAt = now;
        decisions.push(
          ...(await this.decide(
            visit,
            { type: 'zone-entered', zoneId: zoneId ?? '' },
            facts,
            actor,
          )),
        );
        break;
      }
      case 'zone-exited':
        if (visit.zoneId !== null && visit.zoneEnteredAt !== null) {
          decisions.push(
            ...(await this.decide(
              visit,
              {
                type: 'zone-dwell',
                zoneId: visit.zoneId,
                dwellSeconds: (now - visit.zoneEnteredAt) / 1000,
              },
              facts,
              actor,
            )),
          );
        }
        visit.zoneId = null;
        visit.zoneEnteredAt = null;
        break;
      case 'store-left':
        this.visits.delete(key);
        break;
    }
    return { visitId: visit.visitId, decisions };
  }

  /** Dwell rules for members standing in a zone; closes visits whose app went quiet. */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const facts = new Map<string, StoreFacts>();
    for (const [key, visit] of [...this.visits]) {
      if (now - visit.lastReportAt > MEMBER_VISIT_IDLE_MS) {
        this.visits.delete(key);
        continue;
      }
      if (visit.zoneId === null || visit.zoneEnteredAt === null) continue;
      let store = facts.get(visit.storeId);
      if (!store) {
        try {
          store = await this.storeFacts(visit.storeId);
        } catch {
          this.visits.delete(key); // the store was deleted
          continue;
        }
        facts.set(visit.storeId, store);
      }
      await this.decide(
        visit,
        {
          type: 'zone-dwell',
          zoneId: visit.zoneId,
          dwellSeconds: (now - visit.zoneEnteredAt) / 1000,
        },
        store,
        'presence',
      );
    }
    await this.deps.dataSource
      .getRepository(CouponIssueEntity)
      .delete({ issuedAt: LessThan(new Date(now - COUPON_RETENTION_MS)) });
  }

  async coupons(memberId: string): Promise<CouponView[]> {
    await this.deps.members.get(memberId);
    const rows = await this.deps.dataSource
      .getRepository(CouponIssueEntity)
      .find({ where: { memberId }, order: { issuedAt: 'ASC' } });
    return rows.map(toCouponView);
  }

  /** The member dismissed an offer: no other offer in that store for the quiet period. */
  async dismiss(memberId: string, couponId: string, actor: string): Promise<CouponView> {
    const repo = this.deps.dataSource.getRepository(CouponIssueEntity);
    const row = await repo.findOneBy({ id: couponId, memberId });
    if (!row) throw new NotFoundError('coupon', couponId);
    if (!row.dismissedAt) {
      row.dismissedAt = new Date(this.deps.clock.now());
      await repo.save(row);
      await audit(this.deps.dataSource, {
        actor,
        action: 'coupon.dismissed',
        subject: `member:${memberId}`,
        detail: { storeId: row.storeId, ruleId: row.ruleId, couponId },
      });
    }
    return toCouponView(row);
  }

  /** Forgets open visits of a member (erasure, or withdrawal of linking consent). */
  forget(memberId: string): void {
    for (const [key, visit] of this.visits) {
      if (visit.memberId === memberId) this.visits.delete(key);
    }
  }

  private async open(params: {
    key: string;
    memberId: string;
    storeId: string;
    now: number;
    actor: string;
    decisions: CouponDecision[];
    facts: StoreFacts;
  }): Promise<OpenVisit> {
    const { memberId, storeId, now } = params;
    const visit: OpenVisit = {
      visitId: `mv_${randomBytes(9).toString('base64url')}`,
      memberId,
      storeId,
      startedAt: now,
      lastReportAt: now,
      zoneId: null,
      zoneEnteredAt: null,
      decided: new Set(),
    };
    this.visits.set(params.key, visit);
    // Visits are linked (and counted) only with the member's analytics-linking consent.
    let visitNumber: number | null = null;
    if (this.deps.members.hasConsent(memberId, 'analytics-linking')) {
      const repo = this.deps.dataSource.getRepository(MemberVisitEntity);
      await repo.insert({ id: visit.visitId, memberId, storeId, startedAt: new Date(now) });
      visitNumber = await repo.countBy({ memberId, storeId });
    }
    this.publishNotice(memberId, storeId, now);
    params.decisions.push(
      ...(await this.decide(
        visit,
        { type: 'visit-started', visitNumber },
        params.facts,
        params.actor,
      )),
    );
    return visit;
  }

  private publishNotice(memberId: string, storeId: string, now: number): void {
    const policy = this.deps.directory.policy(storeId);
    const mode = policy?.tracking.mode ?? 'off';
    this.deps.events.publish('notice.entry', storeId, {
      memberId,
      noticeUrl: `/notice/${encodeURIComponent(storeId)}`,
      optOutUrl: OPT_OUT_PATH,
      controllerName: policy?.notice.controllerName ?? null,
      purpose: policy?.notice.purpose ?? null,
      trackingMode: mode,
      trackingActive: mode !== 'off' && this.deps.directory.isOpen(storeId, now),
    });
  }

  private async decide(
    visit: OpenVisit,
    trigger: CouponTriggerInput,
    facts: StoreFacts,
    actor: string,
  ): Promise<CouponDecision[]> {
    const policy = this.deps.directory.policy(visit.storeId)?.coupons;
    if (!policy || policy.rules.length === 0) return [];
    const now = this.deps.clock.now();
    const repo = this.deps.dataSource.getRepository(CouponIssueEntity);
    const history = await repo.find({
      where: {
        memberId: visit.memberId,
        storeId: visit.storeId,
        issuedAt: MoreThan(new Date(now - COUPON_HISTORY_MS)),
      },
    });
    const dismissed = await repo.findOne({
      where: { memberId: visit.memberId, storeId: visit.storeId, dismissedAt: Not(IsNull()) },
      order: { dismissedAt: 'DESC' },
    });
    const decisions = decideCoupons({
      policy,
      trigger,
      at: now,
      timeZone: facts.timezone,
      zoneTags: facts.zoneTags,
      consent: { marketing: this.deps.members.hasConsent(visit.memberId, 'marketing') },
      visitId: visit.visitId,
      issued: history.map((h) => ({
        at: h.issuedAt.getTime(),
        visitId: h.visitId,
        ruleId: h.ruleId,
      })),
      lastDismissedAt: dismissed?.dismissedAt?.getTime() ?? null,
      decidedThisVisit: visit.decided,
    });
    const final: CouponDecision[] = [];
    for (const decision of decisions) {
      visit.decided.add(decision.ruleId);
      const rule = policy.rules.find((r) => r.id === decision.ruleId);
      const veto =
        decision.outcome === 'issued' && rule
          ? this.deps.vetoOffer?.({
              storeId: visit.storeId,
              ruleId: rule.id,
              zoneId: visit.zoneId,
              title: rule.offer.title,
              at: now,
            })
          : undefined;
      final.push(
        veto === undefined
          ? decision
          : { ...decision, outcome: 'denied', reason: `vetoed: ${veto}` },
      );
      if (veto !== undefined) {
        await audit(this.deps.dataSource, {
          actor,
          action: 'coupon.denied',
          subject: `member:${visit.memberId}`,
          detail: { storeId: visit.storeId, ruleId: decision.ruleId, reason: `vetoed: ${veto}` },
        });
      } else if (decision.outcome === 'issued' && rule && policy.unsubscribeUrl) {
        await this.issue(visit, rule, policy.unsubscribeUrl, now, actor);
      } else {
        await audit(this.deps.dataSource, {
          actor,
          action: 'coupon.denied',
          subject: `member:${visit.memberId}`,
          detail: { storeId: visit.storeId, ruleId: decision.ruleId, reason: decision.reason },
        });
      }
    }
    return final;
  }

  private async issue(
    visit: OpenVisit,
    rule: CouponRule,
    unsubscribeUrl: string,
    now: number,
    actor: string,
  ): Promise<void> {
    const couponId = `cpn_${randomBytes(9).toString('base64url')}`;
    const expiresAt = now + rule.offer.validHours * 3_600_000;
    const event = this.deps.events.build('coupon.issued', visit.storeId, {
      memberId: visit.memberId,
      couponId,
      ruleId: rule.id,
      offer: {
        title: rule.offer.title,
        ...(rule.offer.description === undefined ? {} : { description: rule.offer.description }),
        ...(rule.offer.code === undefined ? {} : { code: rule.offer.code }),
      },
      expiresAt,
      why: rule.why,
      unsubscribeUrl,
    });
    await this.deps.dataSource.transaction(async (manager) => {
      await manager.getRepository(CouponIssueEntity).insert({
        id: couponId,
        memberId: visit.memberId,
        storeId: visit.storeId,
        ruleId: rule.id,
        visitId: visit.visitId,
        issuedAt: new Date(now),
        expiresAt: new Date(expiresAt),
        dismissedAt: null,
      });
      await audit(manager, {
        actor,
        action: 'coupon.issued',
        subject: `member:${visit.memberId}`,
        detail: { storeId: visit.storeId, ruleId: rule.id, couponId, reason: rule.why },
      });
      // The webhook rows commit (or roll back) with the offer itself.
      await this.deps.outbox.enqueueIn(manager, [event]);
    });
    this.deps.events.emit(event);
  }

  private async storeFacts(storeId: string): Promise<StoreFacts> {
    const store = this.deps.directory.get(storeId);
    if (!store) throw new NotFoundError('store', storeId);
    return { timezone: store.timezone, zoneTags: new Map(store.zones.map((z) => [z.id, z.tags])) };
  }

  private validate(input: { storeId: unknown; type: unknown; zoneId?: unknown }): {
    storeId: string;
    type: PresenceType;
    zoneId?: string;
  } {
    const errors: FieldError[] = [];
    if (typeof input.storeId !== 'string' || input.storeId === '') {
      errors.push({ field: 'storeId', value: input.storeId, message: 'must be a store id' });
    }
    const type = input.type;
    if (typeof type !== 'string' || !(PRESENCE_TYPES as readonly string[]).includes(type)) {
      errors.push({
        field: 'type',
        value: type,
        message: `must be one of ${PRESENCE_TYPES.join(', ')}`,
      });
    }
    const needsZone = type === 'zone-entered';
    if (needsZone && (typeof input.zoneId !== 'string' || input.zoneId === '')) {
      errors.push({
        field: 'zoneId',
        value: input.zoneId,
        message: 'is required for zone-entered',
      });
    } else if (input.zoneId !== undefined && typeof input.zoneId !== 'string') {
      errors.push({ field: 'zoneId', value: input.zoneId, message: 'must be a zone id' });
    }
    if (errors.length > 0) throw new DomainValidationError(errors);
    return {
      storeId: input.storeId as string,
      type: type as PresenceType,
      ...(typeof input.zoneId === 'string' ? { zoneId: input.zoneId } : {}),
    };
  }
}

function toCouponView(row: CouponIssueEntity): CouponView {
  return {
    id: row.id,
    storeId: row.storeId,
    ruleId: row.ruleId,
    issuedAt: row.issuedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    dismissedAt: row.dismissedAt?.toISOString() ?? null,
  };
}

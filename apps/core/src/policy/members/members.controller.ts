import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CONSENT_SCOPES } from '@aisle/policy';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import {
  MemberPresenceService,
  PRESENCE_TYPES,
  type CouponView,
  type PresenceResult,
} from './member-presence.service.js';
import { ListMembersQuery } from './dto/list-members.query.js';
import { MembersService, type MemberExport, type MemberView } from './members.service.js';

/** The loyalty provider's API: members, their consent, and data-subject requests. */
@ApiTags('members')
@Controller('api/members')
export class MembersController {
  constructor(
    @Inject(MembersService) private readonly members: MembersService,
    @Inject(MemberPresenceService) private readonly presence: MemberPresenceService,
  ) {}

  @Post()
  @Roles('loyalty')
  @ApiOperation({ summary: 'Register a member with their app identity and consent scopes' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['appIdentity'],
      properties: {
        appIdentity: { type: 'string', example: 'loyalty-app-user-42' },
        consents: { type: 'array', items: { type: 'string', enum: [...CONSENT_SCOPES] } },
      },
    },
  })
  register(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<MemberView> {
    const input = (body ?? {}) as Record<string, unknown>;
    return this.members.register(
      { appIdentity: input['appIdentity'], consents: input['consents'] },
      `key:${principal.keyId}`,
    );
  }

  // No @Roles: admin only. The loyalty provider knows its own members; the admin's privacy desk
  // needs to find one to answer a data-subject request. Listing is audited.
  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Members with consent scopes and timestamps, newest first (admin)',
    description:
      'One page of members for the privacy desk: id, app identity, consents in force and the ' +
      'consent history. No device data is held about members. Audited as `members.listed`.',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        members: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', example: 'mem_x1' },
              appIdentity: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
              consents: { type: 'array', items: { type: 'string', enum: [...CONSENT_SCOPES] } },
              history: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    scope: { type: 'string' },
                    grantedAt: { type: 'string', format: 'date-time' },
                    withdrawnAt: { type: 'string', format: 'date-time', nullable: true },
                  },
                },
              },
            },
          },
        },
      },
    },
  })
  list(
    @Query() query: ListMembersQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ total: number; members: MemberView[] }> {
    return this.members.list(
      { limit: query.limit ?? 50, offset: query.offset ?? 0 },
      `key:${principal.keyId}`,
    );
  }

  @Get(':memberId')
  @Roles('loyalty')
  @ApiOperation({ summary: 'A member with consents in force and the consent history' })
  get(@Param('memberId') memberId: string): Promise<MemberView> {
    return this.members.get(memberId);
  }

  @Post(':memberId/consents')
  @Roles('loyalty')
  @ApiOperation({ summary: 'Grant a consent scope (timestamped)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['scope'],
      properties: { scope: { type: 'string', enum: [...CONSENT_SCOPES] } },
    },
  })
  grant(
    @Param('memberId') memberId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MemberView> {
    const scope = ((body ?? {}) as Record<string, unknown>)['scope'];
    return this.members.grant(memberId, scope, `key:${principal.keyId}`);
  }

  @Delete(':memberId/consents/:scope')
  @Roles('loyalty')
  @ApiOperation({ summary: 'Withdraw a consent scope: takes effect immediately' })
  withdraw(
    @Param('memberId') memberId: string,
    @Param('scope') scope: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MemberView> {
    return this.members.withdraw(memberId, scope, `key:${principal.keyId}`);
  }

  @Get(':memberId/export')
  @Roles('loyalty')
  @ApiOperation({ summary: 'Data-subject access: everything held about the member (JSON)' })
  export(
    @Param('memberId') memberId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MemberExport> {
    return this.members.export(memberId, `key:${principal.keyId}`);
  }

  @Post(':memberId/presence')
  @HttpCode(200)
  @Roles('loyalty')
  @ApiOperation({
    summary: 'The member’s app reports its own presence (store or zone entered/left)',
    description:
      'Only a registered member’s app, through the loyalty provider, reports presence; anonymous ' +
      'sightings never do. Store entry publishes `notice.entry`; offers are decided under the ' +
      'store’s coupon rules, caps and quiet period, and every decision is audited. Presence in a ' +
      'sensitive zone is accepted and forgotten.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['storeId', 'type'],
      properties: {
        storeId: { type: 'string', example: 'berlin-mitte' },
        type: { type: 'string', enum: [...PRESENCE_TYPES] },
        zoneId: { type: 'string', example: 'entrance' },
      },
    },
  })
  reportPresence(
    @Param('memberId') memberId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PresenceResult> {
    // The key guard has already checked the body's storeId against the key's stores.
    const input = (body ?? {}) as Record<string, unknown>;
    return this.presence.report(
      memberId,
      { storeId: input['storeId'], type: input['type'], zoneId: input['zoneId'] },
      `key:${principal.keyId}`,
    );
  }

  @Get(':memberId/coupons')
  @Roles('loyalty')
  @ApiOperation({ summary: 'Offers issued to the member' })
  coupons(@Param('memberId') memberId: string): Promise<CouponView[]> {
    return this.presence.coupons(memberId);
  }

  @Post(':memberId/coupons/:couponId/dismiss')
  @HttpCode(200)
  @Roles('loyalty')
  @ApiOperation({ summary: 'The member dismissed an offer: a quiet period starts' })
  dismiss(
    @Param('memberId') memberId: string,
    @Param('couponId') couponId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CouponView> {
    return this.presence.dismiss(memberId, couponId, `key:${principal.keyId}`);
  }

  @Delete(':memberId')
  @HttpCode(204)
  @Roles('loyalty')
  @ApiOperation({
    summary: 'Data-subject erasure: delete the member and everything held, across stores',
  })
  erase(
    @Param('memberId') memberId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.members.erase(memberId, `key:${principal.keyId}`);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CONSENT_SCOPES } from '@aisle/policy';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { MembersService, type MemberView } from './members.service.js';

/** The loyalty provider's API: members, their consent, and data-subject requests. */
@ApiTags('members')
@Controller('api/members')
export class MembersController {
  constructor(@Inject(MembersService) private readonly members: MembersService) {}

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
  ): Promise<{ exportedAt: string; member: MemberView; note: string }> {
    return this.members.export(memberId, `key:${principal.keyId}`);
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

import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { API_ROLES, type ApiRole } from '@aisle/persistence';
import { ApiStoreScopedErrors } from '../api/common/api-responses.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { ConsoleService } from './console.service.js';

export class SessionStoreView {
  @ApiProperty({ example: 'demo' })
  id!: string;

  @ApiProperty({ example: 'Demo store' })
  name!: string;
}

export class SessionView {
  @ApiProperty({ description: 'The key id (the public part of `ak_<id>.<secret>`)' })
  keyId!: string;

  @ApiProperty({ description: 'The name the key was created with' })
  name!: string;

  @ApiProperty({ enum: API_ROLES })
  role!: ApiRole;

  @ApiProperty({
    type: [SessionStoreView],
    description: 'Stores the key may reach (admin: every store; others: their scope that exists)',
  })
  stores!: SessionStoreView[];
}

/**
 * Who the presented key is: what the console needs to offer only what the API would allow. Any
 * valid key may ask about itself; nothing about other keys is shown.
 */
@ApiTags('console')
@ApiStoreScopedErrors()
@Controller('api/session')
export class SessionController {
  constructor(@Inject(ConsoleService) private readonly console: ConsoleService) {}

  @Get()
  @Roles('store-manager', 'integrator', 'subscriber', 'loyalty')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The presented API key: its role, name and stores' })
  @ApiOkResponse({ type: SessionView })
  async session(@CurrentPrincipal() principal: Principal): Promise<SessionView> {
    const { name, stores } = await this.console.session(principal);
    return {
      keyId: principal.keyId,
      name,
      role: principal.role,
      stores,
    };
  }
}

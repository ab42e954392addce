import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeysController } from './api-keys.controller.js';

/**
 * API keys and the global `ApiKeyGuard`. Needs the `DataSource` provider (global, from
 * `DatabaseModule`). Exports `ApiKeyService` (bootstrap admin at start).
 */
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeyService, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeyService],
})
export class AuthModule {}

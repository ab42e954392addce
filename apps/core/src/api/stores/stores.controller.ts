import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { Roles } from '../../auth/roles.decorator.js';
import { ApiStoreScopedErrors, ApiValidationErrors } from '../common/api-responses.js';
import { CreateStoreDto } from './dto/create-store.dto.js';
import { PatchStoreDto } from './dto/patch-store.dto.js';
import { ReplaceStoreDto } from './dto/replace-store.dto.js';
import { StoreView } from './dto/store.view.js';
import { StoresService, type PolicyVersionView } from './stores.service.js';

@ApiTags('stores')
@ApiStoreScopedErrors()
@Controller('api/stores')
export class StoresController {
  constructor(@Inject(StoresService) private readonly stores: StoresService) {}

  @Get()
  @Roles('store-manager', 'integrator')
  @ApiOperation({ summary: 'Stores the key may see (admin: all; scoped keys: their own)' })
  @ApiOkResponse({ type: [StoreView] })
  list(@CurrentPrincipal() principal: Principal): Promise<StoreView[]> {
    return this.stores.list(principal.role === 'admin' ? {} : { ids: principal.storeIds });
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a store (admin)' })
  @ApiCreatedResponse({ type: StoreView })
  @ApiConflictResponse({ description: 'A store with this id exists' })
  @ApiValidationErrors()
  create(
    @Body() body: CreateStoreDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StoreView> {
    return this.stores.create(body, `key:${principal.keyId}`);
  }

  @Get(':storeId')
  @Roles('store-manager', 'integrator')
  @ApiOperation({ summary: 'One store' })
  @ApiOkResponse({ type: StoreView })
  get(@Param('storeId') storeId: string): Promise<StoreView> {
    return this.stores.get(storeId);
  }

  @Put(':storeId')
  @Roles('store-manager')
  @ApiOperation({ summary: 'Replace a store’s fields (not its id); a missing policy becomes {}' })
  @ApiOkResponse({ type: StoreView })
  @ApiValidationErrors()
  replace(
    @Param('storeId') storeId: string,
    @Body() body: ReplaceStoreDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StoreView> {
    return this.stores.replace(storeId, body, `key:${principal.keyId}`);
  }

  @Patch(':storeId')
  @Roles('store-manager')
  @ApiOperation({
    summary: 'Change some fields of a store',
    description:
      '`policy` is a JSON Merge Patch (RFC 7396) of the stored policy: members it names change, ' +
      '`null` removes a member, nested objects merge, arrays are replaced. The merged policy is ' +
      'validated as a whole. To replace the whole policy use PUT.',
  })
  @ApiOkResponse({ type: StoreView })
  @ApiValidationErrors()
  patch(
    @Param('storeId') storeId: string,
    @Body() body: PatchStoreDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StoreView> {
    return this.stores.patch(storeId, body, `key:${principal.keyId}`);
  }

  @Get(':storeId/policy/versions')
  @Roles('store-manager')
  @ApiOperation({
    summary: 'Every version of the store’s policy, newest first, with who changed it and when',
  })
  policyVersions(@Param('storeId') storeId: string): Promise<PolicyVersionView[]> {
    return this.stores.policyVersions(storeId);
  }

  @Delete(':storeId')
  @Roles('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a store with its zones and sensors (admin)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@Param('storeId') storeId: string): Promise<void> {
    return this.stores.remove(storeId);
  }
}

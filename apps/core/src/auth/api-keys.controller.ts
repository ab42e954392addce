import { Body, Controller, Delete, Get, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyView, CreatedApiKeyView } from './dto/api-key.view.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import { Roles } from './roles.decorator.js';

@ApiTags('api keys')
@ApiUnauthorizedResponse({ description: 'No, malformed, unknown or revoked API key' })
@ApiForbiddenResponse({ description: 'Only admin keys manage keys' })
@Roles('admin')
@Controller('api/keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeyService) private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create a key; the plaintext key is in the answer, once' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  @ApiBadRequestResponse({ description: 'Invalid field (named in the body)' })
  async create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyView> {
    const { key, info } = await this.keys.create(body);
    return { ...info, key };
  }

  @Get()
  @ApiOperation({ summary: 'Every key (revoked ones too), without secrets' })
  @ApiOkResponse({ type: [ApiKeyView] })
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a key (it stays listed, with revokedAt)' })
  @ApiOkResponse({ type: ApiKeyView })
  @ApiNotFoundResponse({ description: 'No key with this id' })
  @ApiConflictResponse({ description: 'It is the last active admin key' })
  revoke(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.revoke(id);
  }
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { API_ROLES, type ApiRole } from '@aisle/persistence';
import type { CreateApiKeyInput } from '../api-key.service.js';

export class CreateApiKeyDto implements CreateApiKeyInput {
  @ApiProperty({ description: 'What the key is for (shown in listings)', example: 'berlin POS' })
  @IsString()
  @Length(1, 100)
  name!: string;

  @ApiProperty({
    enum: API_ROLES,
    example: 'store-manager',
    description:
      '`admin`: everything. `store-manager`: stores, zones and sensors of its stores (not creating ' +
      'or deleting stores). `integrator`: sensors of its stores, read-only stores and zones. ' +
      '`subscriber`: webhooks (/api/webhooks) for its stores; no store API access.',
  })
  @IsIn(API_ROLES)
  role!: ApiRole;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Stores (slugs) the key is scoped to; required for store-manager and integrator, empty for admin',
    example: ['berlin-mitte'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsString({ each: true })
  storeIds?: string[];
}

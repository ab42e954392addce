import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
} from 'class-validator';
import type { StorePolicyDocument } from '@aisle/persistence';
import { SLUG_MESSAGE, SLUG_PATTERN } from '../../common/slug.js';
import { IsIanaTimeZone } from '../../common/timezone.js';
import { MAX_FLOOR_SIZE_M, type StoreInput } from '../store.rules.js';

const FINITE = { allowNaN: false, allowInfinity: false };

export class CreateStoreDto implements StoreInput {
  @ApiProperty({
    description: 'Slug chosen by the retailer',
    example: 'berlin-mitte',
    pattern: SLUG_PATTERN.source,
  })
  @IsString()
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  id!: string;

  @ApiProperty({ example: 'Berlin Mitte' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    description: 'IANA time zone (opening hours, daily rollups)',
    example: 'Europe/Berlin',
  })
  @IsIanaTimeZone()
  timezone!: string;

  @ApiProperty({
    description: 'Floor-plan width (x extent), metres',
    example: 30,
    minimum: 0,
    exclusiveMinimum: true,
    maximum: MAX_FLOOR_SIZE_M,
  })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(MAX_FLOOR_SIZE_M)
  width!: number;

  @ApiProperty({
    description: 'Floor-plan height (y extent), metres',
    example: 20,
    minimum: 0,
    exclusiveMinimum: true,
    maximum: MAX_FLOOR_SIZE_M,
  })
  @IsNumber(FINITE)
  @IsPositive()
  @Max(MAX_FLOOR_SIZE_M)
  height!: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "The store's policy document (tracking mode, hours, notice, coupons). Stored as given; " +
      'validated by the policy layer when the hub provides a validator. Default `{}`.',
    example: { tracking: { mode: 'count-only' } },
  })
  @IsOptional()
  @IsObject()
  policy?: StorePolicyDocument;
}

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

/**
 * A policy the API accepts as is: counting only, with the complete shopper notice every mode but
 * `off` requires (the e2e test posts every documented example).
 */
export const EXAMPLE_STORE_POLICY = {
  mode: 'count-only',
  notice: {
    controllerName: 'Example Retail GmbH',
    purpose: 'to count visitors and learn which aisles are busy',
    signage: {
      text: 'This store counts visitors with Wi-Fi and Bluetooth sensors.',
      placement: 'at both entrances, at eye level',
    },
    noticeUrl: 'https://example.com/privacy/berlin-mitte',
    optOutInstructions: 'enter your phone’s address at /opt-out or ask at the till',
    retentionStatement: 'counts are kept for 25 months; no device data is kept',
    dpiaReference: 'DPIA-2026-07',
  },
};

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
  @IsNumber(FINITE, { message: 'width must be a finite number' })
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
  @IsNumber(FINITE, { message: 'height must be a finite number' })
  @IsPositive()
  @Max(MAX_FLOOR_SIZE_M)
  height!: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "The store's policy document (tracking mode, hours, notice, coupons), validated as a " +
      'whole on every write. Default `{}` (tracking off). In a PATCH it is a JSON Merge Patch ' +
      '(RFC 7396) of the stored policy.',
    example: EXAMPLE_STORE_POLICY,
  })
  @IsOptional()
  @IsObject()
  policy?: StorePolicyDocument;
}

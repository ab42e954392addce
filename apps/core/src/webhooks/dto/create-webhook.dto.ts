import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';
import { WEBHOOK_EVENT_TYPES, type SubscriptionInput } from '@aisle/webhooks';

export class CreateWebhookDto implements SubscriptionInput {
  @ApiProperty({
    description:
      'Endpoint (HTTPS; private, loopback and link-local targets are refused unless the host is ' +
      'in AISLE_WEBHOOK_ALLOW_HOSTS). Redirects are not followed: they count as failures.',
    example: 'https://hooks.example.com/aisle',
  })
  @IsString()
  @Length(1, 2000)
  url!: string;

  @ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES, example: ['sensor.online'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  eventTypes!: string[];

  @ApiPropertyOptional({
    type: [String],
    description:
      'Stores whose events are delivered. A subscriber key: a subset of its stores (default: all ' +
      'of them). An admin: empty = every store and hub-wide events.',
    example: ['berlin-mitte'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsString({ each: true })
  storeIds?: string[];

  @ApiPropertyOptional({ example: 'footfall dashboard' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { CreateWebhookDto } from './create-webhook.dto.js';

export class PatchWebhookDto extends PartialType(CreateWebhookDto) {
  @ApiPropertyOptional({ description: 'false disables deliveries; true re-enables' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

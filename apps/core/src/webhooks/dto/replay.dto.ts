import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';

export class ReplayFailedDto {
  @ApiProperty({
    description: 'Queue again every failed message whose event happened at or after this time',
    example: '2026-12-01T00:00:00Z',
  })
  @IsISO8601()
  since!: string;
}

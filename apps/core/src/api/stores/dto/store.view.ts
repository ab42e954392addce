import { ApiProperty } from '@nestjs/swagger';
import type { StorePolicyDocument } from '@aisle/persistence';

export class StoreView {
  @ApiProperty({ example: 'berlin-mitte' })
  id!: string;

  @ApiProperty({ example: 'Berlin Mitte' })
  name!: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  timezone!: string;

  @ApiProperty({ description: 'metres', example: 30 })
  width!: number;

  @ApiProperty({ description: 'metres', example: 20 })
  height!: number;

  @ApiProperty({ type: 'object', additionalProperties: true })
  policy!: StorePolicyDocument;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

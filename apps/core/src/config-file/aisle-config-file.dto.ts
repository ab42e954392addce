import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, ValidateNested } from 'class-validator';
import { CreateSensorDto } from '../api/sensors/dto/create-sensor.dto.js';
import { CreateStoreDto } from '../api/stores/dto/create-store.dto.js';
import { CreateZoneDto } from '../api/zones/dto/create-zone.dto.js';

/**
 * One store in `aisle.yaml`: the store's fields plus its complete lists of zones and sensors.
 * Both lists are required (`[]` for none) because zones and sensors of this store that are not
 * listed are deleted when the file is applied.
 */
export class ConfigStoreDto extends CreateStoreDto {
  @ApiProperty({
    type: [CreateZoneDto],
    description: 'Every zone of the store; others are deleted',
  })
  @IsArray({
    message:
      'must be the list of every zone of the store (`[]` for none): unlisted zones are deleted',
  })
  @ValidateNested({ each: true })
  @Type(() => CreateZoneDto)
  zones!: CreateZoneDto[];

  @ApiProperty({
    type: [CreateSensorDto],
    description: 'Every sensor of the store; others are deleted',
  })
  @IsArray({
    message:
      'must be the list of every sensor of the store (`[]` for none): unlisted sensors are deleted',
  })
  @ValidateNested({ each: true })
  @Type(() => CreateSensorDto)
  sensors!: CreateSensorDto[];
}

/**
 * `aisle.yaml` (config as code), applied at start when `AISLE_CONFIG` names it. Stores listed are
 * created or updated; their zones and sensors become exactly those listed. Stores not listed are
 * left alone. A store's `policy`, when omitted, keeps its stored value (`{}` for a new store).
 */
export class AisleConfigFile {
  @ApiPropertyOptional({ enum: [1], description: 'Format version (1)' })
  @IsOptional()
  @IsIn([1])
  version?: 1;

  @ApiProperty({ type: [ConfigStoreDto] })
  @IsArray({ message: 'must be a list of stores' })
  @ValidateNested({ each: true })
  @Type(() => ConfigStoreDto)
  stores!: ConfigStoreDto[];
}

import { OmitType } from '@nestjs/swagger';
import { CreateZoneDto } from './create-zone.dto.js';

/** PUT: every field except the id (which is the path's); missing `tags` become `[]`. */
export class ReplaceZoneDto extends OmitType(CreateZoneDto, ['id'] as const) {}

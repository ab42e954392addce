import { OmitType } from '@nestjs/swagger';
import { CreateStoreDto } from './create-store.dto.js';

/** PUT: every field except the id (which is the path's). A missing `policy` becomes `{}`. */
export class ReplaceStoreDto extends OmitType(CreateStoreDto, ['id'] as const) {}

import { PartialType } from '@nestjs/swagger';
import { ReplaceStoreDto } from './replace-store.dto.js';

/** PATCH: any subset of the fields; `policy`, when given, replaces the whole document. */
export class PatchStoreDto extends PartialType(ReplaceStoreDto) {}

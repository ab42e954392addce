import { PartialType } from '@nestjs/swagger';
import { ReplaceStoreDto } from './replace-store.dto.js';

/** PATCH: any subset of the fields; `policy`, when given, is merged (RFC 7396) into the stored one. */
export class PatchStoreDto extends PartialType(ReplaceStoreDto) {}

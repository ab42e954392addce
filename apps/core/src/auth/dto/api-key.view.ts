import { ApiProperty } from '@nestjs/swagger';
import { API_ROLES, type ApiRole } from '@aisle/persistence';
import type { ApiKeyInfo } from '../api-key.service.js';

/** A key as listed: never the secret, never its hash. */
export class ApiKeyView implements ApiKeyInfo {
  @ApiProperty({
    description: 'Public key id: the `<id>` in `ak_<id>.<secret>`',
    example: '3f9a0c1b7e42',
  })
  id!: string;

  @ApiProperty({ example: 'berlin POS' })
  name!: string;

  @ApiProperty({ enum: API_ROLES })
  role!: ApiRole;

  @ApiProperty({ type: [String], example: ['berlin-mitte'] })
  storeIds!: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: Date | null;
}

/** The answer to creating a key: the only time the plaintext is shown. */
export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({
    description: 'The key, `ak_<id>.<secret>`. Shown once: only a hash of the secret is stored.',
    example: 'ak_3f9a0c1b7e42.Yl3X…',
  })
  key!: string;
}

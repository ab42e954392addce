import type { DataSource } from 'typeorm';

/** The role of an API key (undefined: no such key). For owners of other tables, e.g. webhooks. */
export async function apiKeyRole(
  dataSource: DataSource,
  keyId: string,
): Promise<string | undefined> {
  const rows = await dataSource.query<{ role: string }[]>(
    `SELECT role FROM api_keys WHERE id = $1`,
    [keyId],
  );
  return rows[0]?.role;
}

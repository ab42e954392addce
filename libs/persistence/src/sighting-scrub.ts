import type { DataSource } from 'typeorm';

/** One subject's sightings in a store between two times (inclusive), epoch ms. */
export interface SubjectSpan {
  storeId: string;
  subject: string;
  from: number;
  to: number;
}

/** Deletes the sightings of a subject in a span (the sensitive-zone scrubber); returns the count. */
export async function deleteSubjectSightings(
  dataSource: DataSource,
  span: SubjectSpan,
): Promise<number> {
  const result = await dataSource
    .createQueryBuilder()
    .delete()
    .from('sightings')
    .where('store_id = :storeId AND subject = :subject AND at >= :from AND at <= :to', {
      storeId: span.storeId,
      subject: span.subject,
      from: new Date(span.from),
      to: new Date(span.to),
    })
    .returning('id')
    .execute();
  return Array.isArray(result.raw) ? result.raw.length : (result.affected ?? 0);
}

/** Deletes every sighting of the given subjects in a store (opt-out); returns the count. */
export async function deleteSightingsOf(
  dataSource: DataSource,
  target: { storeId: string; subjects: readonly string[] },
): Promise<number> {
  if (target.subjects.length === 0) return 0;
  const result = await dataSource
    .createQueryBuilder()
    .delete()
    .from('sightings')
    .where('store_id = :storeId AND subject IN (:...subjects)', {
      storeId: target.storeId,
      subjects: [...target.subjects],
    })
    .returning('id')
    .execute();
  return Array.isArray(result.raw) ? result.raw.length : (result.affected ?? 0);
}

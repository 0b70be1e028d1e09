import { Kysely } from 'kysely';

/**
 * A message sent again (POST /v1/emails/{id}/resend) names the one it copies, and the listing finds a
 * message's copies (`resentFrom`). Adding a nullable column without a default changes only the
 * catalogue: no partition is rewritten, whatever its size. The index holds copies only, which are few.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('resent_from', 'uuid').execute();
  await db.schema.createIndex('messages_resent_from').on('messages').column('resent_from').where('resent_from', 'is not', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_resent_from').execute();
  await db.schema.alterTable('messages').dropColumn('resent_from').execute();
}

import { Kysely } from 'kysely';

/**
 * A message sent again (POST /v1/emails/{id}/resend) names the one it copies. Adding a nullable column
 * without a default changes only the catalogue: no partition is rewritten, whatever its size.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('resent_from', 'uuid').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('resent_from').execute();
}

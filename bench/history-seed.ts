import { Kysely, sql } from 'kysely';
import { HistoryPartitions, HistoryTables } from '../src/database/database.module';

/** The seeded history: 30 days up to 2026-11-30 00:00 UTC, 20 senders, 200,000 recipients, ten tags. */
export const DAYS = 30;
export const DAY_MS = 86_400_000;
export const OWNERS = 20;
export const CUSTOMERS = 200_000;
export const TAGS = ['orders', 'shipping', 'password-reset', 'invoice', 'welcome', 'newsletter', 'eu', 'us', 'apac', 'vip'];
export const until = Date.UTC(2026, 10, 30);
export const since = until - DAYS * DAY_MS;
/** A time within the seeded days, spread over them by `run`. */
export const timeAt = (run: number) => since + ((run * 104_729_117) % (DAYS * DAY_MS));

/**
 * A day at a time, in SQL (generate_series), as the store would have written them (JSON as
 * JSON.stringify writes it): realistic sizes of
 * a transactional message (two tags, three metadata fields, one recipient), 96% sent, 3% failed, 1%
 * cancelled, three events and one attempt each.
 */
export async function seedHistory(db: Kysely<HistoryTables>, messages: number): Promise<void> {
  const partitions = new HistoryPartitions(db, { days: DAYS + 1, bodyDays: 7 });
  await partitions.ensure(Array.from({ length: DAYS }, (_, day) => new Date(since + day * DAY_MS)));
  const tags = sql.lit(`{${TAGS.join(',')}}`);
  for (let day = 0; day < DAYS; day++) {
    const first = Math.floor((day * messages) / DAYS);
    const next = Math.floor(((day + 1) * messages) / DAYS);
    await sql`
      insert into messages (id, created_at, updated_at, event_count, owner, status, from_email, "from", "to", cc, bcc, recipients,
        reply_to, subject, headers, tags, metadata, attachments, send_at, provider, provider_message_id, error)
      select id, created_at, created_at + interval '1.2 s', 3, 'shop-' || shop, status,
        'noreply@shop' || shop || '.example.com',
        ('{"email":"noreply@shop' || shop || '.example.com","name":"Shop ' || shop || '"}')::json,
        ('[{"email":"customer' || customer || '@example.net","name":"Customer ' || customer || '"}]')::json,
        '[]', '[]', array['customer' || customer || '@example.net'], null,
        case g % 4 when 0 then 'Your order ' || g || ' has shipped' when 1 then 'Password reset for your account'
          when 2 then 'Invoice INV-' || g || ' is ready' else 'Weekly newsletter: issue ' || (g % 52) end,
        '{}', array[(${tags}::text[])[1 + g % 10], (${tags}::text[])[1 + (g / 10) % 10]],
        ('{"orderId":"' || g || '","customerId":"cus_' || customer || '","region":"eu-west"}')::json,
        '[]', null, 'sendgrid', md5(g::text), case when status = 'failed' then '{"type":"permanent","message":"sendgrid answered HTTP 400: invalid recipient"}'::json end
      from (
        select g, gen_random_uuid() as id, abs(hashint4(g::int)) % ${sql.lit(OWNERS)} as shop, (g * 7919) % ${sql.lit(CUSTOMERS)} as customer,
          to_timestamp((${sql.lit(since + day * DAY_MS)} + (g - ${sql.lit(first)})::bigint * ${sql.lit(DAY_MS)} / ${sql.lit(next - first)}) / 1000.0) as created_at,
          case when g % 100 < 3 then 'failed' when g % 100 = 3 then 'cancelled' else 'sent' end as status
        from generate_series(${sql.lit(first)}::bigint, ${sql.lit(next - 1)}) g
      ) m`.execute(db);
    await sql`
      insert into message_events (created_at, email_id, seq, type, at, provider, detail)
      select created_at, id, s, case s when 0 then 'queued' when 1 then 'sending' else status end,
        created_at + s * interval '0.6 s', case when s = 2 then provider end,
        case when s = 2 and status = 'failed' then error ->> 'message' end
      from messages cross join generate_series(0, 2) s
      where created_at >= to_timestamp(${sql.lit(since + day * DAY_MS)} / 1000.0) and created_at < to_timestamp(${sql.lit(since + (day + 1) * DAY_MS)} / 1000.0)`.execute(db);
    await sql`
      insert into message_attempts (created_at, email_id, seq, round, provider, started_at, duration_ms, outcome, provider_message_id, response, error)
      select created_at, id, 0, 1, provider, created_at + interval '0.6 s', 180, case when status = 'failed' then 'failed' else 'sent' end,
        provider_message_id, null, error
      from messages
      where created_at >= to_timestamp(${sql.lit(since + day * DAY_MS)} / 1000.0) and created_at < to_timestamp(${sql.lit(since + (day + 1) * DAY_MS)} / 1000.0)`.execute(db);
  }
}

/** The busy day's own tags and subject: none of the seeded days' messages carry them. */
export const BUSY_DAY_TAGS = ['receipt', 'transactional'];

/**
 * `messages` more on the day after the seeded ones, all alike (one subject pattern, BUSY_DAY_TAGS), as a
 * day of one shop's traffic is: the case where a filter most of the history matches matches nothing of
 * the newest day, and a word in every subject of the newest day is rare before it.
 */
export async function seedBusyDay(db: Kysely<HistoryTables>, messages: number): Promise<void> {
  const partitions = new HistoryPartitions(db, { days: DAYS + 2, bodyDays: 7 });
  await partitions.ensure([new Date(until)]);
  await sql`
    insert into messages (id, created_at, updated_at, event_count, owner, status, from_email, "from", "to", cc, bcc, recipients,
      reply_to, subject, headers, tags, metadata, attachments, send_at, provider, provider_message_id, error)
    select gen_random_uuid(), created_at, created_at + interval '1.2 s', 3, 'shop-0', 'sent', 'noreply@shop0.example.com',
      '{"email":"noreply@shop0.example.com","name":"Shop 0"}'::json,
      ('[{"email":"buyer' || g || '@example.org"}]')::json, '[]', '[]', array['buyer' || g || '@example.org'], null,
      'Your order ' || (5000000 + g) || ' has shipped', '{}', ${sql.lit(`{${BUSY_DAY_TAGS.join(',')}}`)}::text[],
      ('{"orderId":"' || g || '"}')::json, '[]', null, 'sendgrid', md5(g::text), null
    from (
      select g, to_timestamp((${sql.lit(until)} + g::bigint * ${sql.lit(DAY_MS)} / ${sql.lit(messages)}) / 1000.0) as created_at
      from generate_series(0::bigint, ${sql.lit(messages - 1)}) g
    ) m`.execute(db);
}

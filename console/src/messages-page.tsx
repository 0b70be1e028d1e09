import { useState } from 'preact/hooks';
import { type Email, type EmailStatus, emailStatusValues, type operations } from '../../clients/typescript/src';
import { consoleClient, refusal } from './console-api';
import { useRefreshing } from './refreshing';
import { messageHref } from './route';

type Query = NonNullable<operations['listEmails']['parameters']['query']>;
type Listing = { state: 'loaded'; emails: Email[]; nextCursor: string | null } | { state: 'failed'; why: string };

/** The newest messages first, filtered, a page at a time; the first page kept current while it is open. */
export function MessagesPage({ apiKey }: { apiKey?: string }) {
  const [query, setQuery] = useState<Query>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const { value: listing } = useRefreshing(() => list(apiKey, { ...query, cursor }), [apiKey, JSON.stringify(query), cursor]);

  const filter = (next: Query) => {
    setQuery(next);
    setCursors([]);
  };

  return (
    <main>
      <h2>Messages</h2>
      <Filters onFilter={filter} />
      <Messages listing={listing} />
      <nav aria-label="Pages" class="pages">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors([])}>
            Newest
          </button>
        )}
        {listing?.state === 'loaded' && listing.nextCursor && (
          <button type="button" onClick={() => setCursors([...cursors, listing.nextCursor!])}>
            Older
          </button>
        )}
      </nav>
    </main>
  );
}

/** The API's filters, applied together when the form is sent; an empty field filters nothing. */
function Filters({ onFilter }: { onFilter: (query: Query) => void }) {
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => (form.get(name) as string).trim() || undefined;
    const time = (name: string) => (text(name) ? new Date(text(name)!).toISOString() : undefined);
    const query: Query = {
      status: text('status') as EmailStatus | undefined,
      to: text('to'),
      from: text('from'),
      tag: text('tag'),
      subject: text('subject'),
      since: time('since'),
      until: time('until'),
    };
    onFilter(Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as Query);
  };

  return (
    <form role="search" class="filters" onSubmit={submit}>
      <label>
        Status
        <select name="status">
          <option value="">any</option>
          {emailStatusValues.map((value) => (
            <option value={value}>{value}</option>
          ))}
        </select>
      </label>
      <label>
        Recipient
        <input name="to" type="email" />
      </label>
      <label>
        Sender
        <input name="from" type="email" />
      </label>
      <label>
        Tag
        <input name="tag" />
      </label>
      <label>
        Subject words
        <input name="subject" type="search" />
      </label>
      <label>
        Since
        <input name="since" type="datetime-local" />
      </label>
      <label>
        Until
        <input name="until" type="datetime-local" />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

function Messages({ listing }: { listing?: Listing }) {
  if (!listing) return <p class="status-line">Loading…</p>;
  if (listing.state === 'failed') return <p role="alert">{listing.why}</p>;
  if (listing.emails.length === 0) return <p class="status-line">No messages.</p>;
  return (
    <table>
      <caption>Newest first</caption>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Status</th>
          <th scope="col">To</th>
          <th scope="col">Subject</th>
          <th scope="col">Provider</th>
        </tr>
      </thead>
      <tbody>
        {listing.emails.map((email) => (
          <tr key={email.id} data-id={email.id}>
            <td>
              <time dateTime={email.createdAt}>{new Date(email.createdAt).toLocaleString()}</time>
            </td>
            <td>
              <span class={`badge badge-${email.status}`}>{email.status}</span>
            </td>
            <td>{email.to.map(({ email: address }) => address).join(', ')}</td>
            <td>
              <a href={messageHref(email.id)}>{email.subject}</a>
            </td>
            <td>{email.provider ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function list(apiKey: string | undefined, query: Query): Promise<Listing> {
  const { data, error, response } = await consoleClient(apiKey).GET('/v1/emails', { params: { query } });
  return data ? { state: 'loaded', emails: data.data, nextCursor: data.nextCursor } : { state: 'failed', why: refusal(response, error) };
}

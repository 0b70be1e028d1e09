import { useState } from 'preact/hooks';
import { type Email, type EmailStatus, emailStatusValues, type operations } from '../../clients/typescript/src';
import { consoleClient, failed, type Failed } from './console-api';
import { ColumnHeads, Shown, StatusBadge, Time, addressList } from './parts';
import { useRefreshing } from './refreshing';
import { messageHref } from './route';

type Query = NonNullable<operations['listEmails']['parameters']['query']>;
type Listing = { state: 'loaded'; emails: Email[]; nextCursor: string | null } | Failed;

/** The newest messages first, filtered, a page at a time, the page shown kept current. */
export function MessagesPage({ apiKey }: { apiKey?: string }) {
  const [query, setQuery] = useState<Query>({});
  /** The page shown after the newest: undefined for the newest. */
  const [cursor, setCursor] = useState<string>();
  const { value: listing } = useRefreshing(() => list(apiKey, { ...query, cursor }), [apiKey, JSON.stringify(query), cursor]);

  const filter = (next: Query) => {
    setQuery(next);
    setCursor(undefined);
  };

  return (
    <main>
      <h2>Messages</h2>
      <Filters onFilter={filter} />
      <Shown value={listing}>{({ emails }) => <Messages emails={emails} />}</Shown>
      <nav aria-label="Pages" class="pages">
        {cursor !== undefined && (
          <button type="button" onClick={() => setCursor(undefined)}>
            Newest
          </button>
        )}
        {listing?.state === 'loaded' && listing.nextCursor && (
          <button type="button" onClick={() => setCursor(listing.nextCursor!)}>
            Older
          </button>
        )}
      </nav>
    </main>
  );
}

/** The filters typed in, each a field of the form named after its query parameter. */
const TYPED_FILTERS = [
  { label: 'Recipient', input: { name: 'to', type: 'email' } },
  { label: 'Sender', input: { name: 'from', type: 'email' } },
  { label: 'Tag', input: { name: 'tag', type: 'text' } },
  { label: 'Subject words', input: { name: 'subject', type: 'search' } },
  { label: 'Since', input: { name: 'since', type: 'datetime-local' } },
  { label: 'Until', input: { name: 'until', type: 'datetime-local' } },
] as const;

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
      {TYPED_FILTERS.map(({ label, input }) => (
        <label>
          {label}
          <input {...input} />
        </label>
      ))}
      <button type="submit">Filter</button>
    </form>
  );
}

function Messages({ emails }: { emails: Email[] }) {
  if (emails.length === 0) return <p class="status-line">No messages.</p>;
  return (
    <table>
      <caption>Newest first</caption>
      <ColumnHeads names={['Created', 'Status', 'To', 'Subject', 'Provider']} />
      <tbody>
        {emails.map((email) => (
          <tr key={email.id} data-id={email.id}>
            <td>
              <Time at={email.createdAt} />
            </td>
            <td>
              <StatusBadge status={email.status} />
            </td>
            <td>{addressList(email.to)}</td>
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
  return data ? { state: 'loaded', emails: data.data, nextCursor: data.nextCursor } : failed(response, error);
}

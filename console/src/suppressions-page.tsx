import { useState } from 'preact/hooks';
import type { Suppression } from '../../clients/typescript/src';
import { consoleClient, failed, type Failed, refusal } from './console-api';
import { ColumnHeads, Shown, Time } from './parts';
import { useRefreshing } from './refreshing';

type Listing = { state: 'loaded'; suppressions: Suppression[]; total: number } | Failed;

/**
 * The addresses mailroute refuses to send to: listed, searched and, for an admin key, removed. Only an
 * admin key may read the list, so whoever sees it may also remove from it; any other key sees the API's
 * refusal.
 */
export function SuppressionsPage({ apiKey }: { apiKey?: string }) {
  const [search, setSearch] = useState<string>();
  const { value: listing, reload } = useRefreshing(() => list(apiKey, search), [apiKey, search]);
  const [removeRefused, setRemoveRefused] = useState<string>();

  const remove = async (email: string) => {
    const { error, response } = await consoleClient(apiKey).DELETE('/v1/suppressions/{email}', { params: { path: { email } } });
    setRemoveRefused(response.ok ? undefined : refusal(response, error));
    reload();
  };

  return (
    <main>
      <h2>Suppressions</h2>
      <Search onSearch={setSearch} />
      {removeRefused && <p role="alert">{removeRefused}</p>}
      <Shown value={listing}>{(loaded) => <Suppressions {...loaded} onRemove={(email) => void remove(email)} />}</Shown>
    </main>
  );
}

/** The API's search: any part of an address, in any case; an empty field shows the whole list. */
function Search({ onSearch }: { onSearch: (search?: string) => void }) {
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const text = (new FormData(event.currentTarget as HTMLFormElement).get('search') as string).trim();
    onSearch(text || undefined);
  };

  return (
    <form role="search" class="filters" onSubmit={submit}>
      <label>
        Address contains
        <input name="search" type="search" maxLength={254} />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

function Suppressions({ suppressions, total, onRemove }: { suppressions: Suppression[]; total: number; onRemove: (email: string) => void }) {
  if (suppressions.length === 0) return <p class="status-line">No suppressed addresses.</p>;
  return (
    <table>
      <caption>
        Newest first: {suppressions.length} of {total}
      </caption>
      <ColumnHeads names={['Address', 'Reason', 'Reported by', 'Detail', 'Since', 'Action']} />
      <tbody>
        {suppressions.map((suppression) => (
          <tr key={suppression.email}>
            <td>{suppression.email}</td>
            <td>{REASONS[suppression.reason]}</td>
            <td>{suppression.source}</td>
            <td>{suppression.detail ?? '—'}</td>
            <td>
              <Time at={suppression.createdAt} />
            </td>
            <td>
              <button type="button" aria-label={`Remove ${suppression.email}`} onClick={() => onRemove(suppression.email)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const REASONS: Record<Suppression['reason'], string> = { hard_bounce: 'hard bounce', complaint: 'complaint' };

/** Enough for a screen: the search narrows a longer list, and the caption says how many match. */
const SHOWN = 100;

async function list(apiKey: string | undefined, search: string | undefined): Promise<Listing> {
  const { data, error, response } = await consoleClient(apiKey).GET('/v1/suppressions', { params: { query: { search, limit: SHOWN } } });
  if (!data) return failed(response, error);
  return { state: 'loaded', suppressions: data, total: Number(response.headers.get('X-Total-Count') ?? data.length) };
}

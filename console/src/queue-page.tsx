import type { QueueCounts, QueueDepth } from '../../clients/typescript/src';
import { consoleClient, failed, type Failed } from './console-api';
import { ColumnHeads, Shown } from './parts';
import { useRefreshing } from './refreshing';

type Loaded = { state: 'loaded'; depth: QueueDepth } | Failed;

/** The states counted, in a job's order through a queue, with their column names. */
const STATES: { state: keyof Omit<QueueCounts, 'name'>; title: string }[] = [
  { state: 'waiting', title: 'Waiting' },
  { state: 'paused', title: 'Paused' },
  { state: 'delayed', title: 'Delayed' },
  { state: 'active', title: 'Active' },
  { state: 'failed', title: 'Failed' },
];

/** The delivery queue's depth by state, kept current, and the way to its job dashboard. */
export function QueuePage({ apiKey }: { apiKey?: string }) {
  const { value: loaded } = useRefreshing(() => load(apiKey), [apiKey]);

  return (
    <main>
      <h2>Queue</h2>
      <Shown value={loaded}>
        {({ depth }) => (
          <>
            <Depth queues={depth.queues} />
            <p>
              <a href={depth.dashboardPath}>Open the job dashboard</a> to see, retry and clean the jobs themselves.
            </p>
            <p class="hint">
              The dashboard does not use the key you signed in with here: where mailroute has API keys, your browser asks
              for a user name and password, and the password is an API key with the admin scope (any user name will do).
            </p>
          </>
        )}
      </Shown>
    </main>
  );
}

function Depth({ queues }: { queues: QueueCounts[] }) {
  return (
    <table>
      <caption>Jobs by state</caption>
      <ColumnHeads names={['Queue', ...STATES.map(({ title }) => title)]} />
      <tbody>
        {queues.map((queue) => (
          <tr key={queue.name}>
            <th scope="row">{queue.name}</th>
            {STATES.map(({ state }) => (
              <td>{queue[state]}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function load(apiKey: string | undefined): Promise<Loaded> {
  const { data, error, response } = await consoleClient(apiKey).GET('/v1/queue');
  return data ? { state: 'loaded', depth: data } : failed(response, error);
}

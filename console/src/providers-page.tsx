import { useState } from 'preact/hooks';
import type { ProviderActivity, ProviderStatus } from '../../clients/typescript/src';
import { ActivityChart } from './activity-chart';
import { consoleClient, failed, type Failed, refusal } from './console-api';
import { ColumnHeads, Shown } from './parts';
import { useRefreshing } from './refreshing';

type Loaded = { state: 'loaded'; providers: ProviderStatus[]; activity: ProviderActivity[] } | Failed;
type Switch = 'disable' | 'enable';

/** Each provider's state, its recent sends and failures, and, for an admin key, its switch. */
export function ProvidersPage({ apiKey }: { apiKey?: string }) {
  const { value: loaded, reload } = useRefreshing(() => load(apiKey), [apiKey]);
  const [switchRefused, setSwitchRefused] = useState<string>();

  const turn = async (name: string, action: Switch) => {
    const path = action === 'disable' ? '/v1/providers/{name}/disable' : '/v1/providers/{name}/enable';
    const { error, response } = await consoleClient(apiKey).POST(path, { params: { path: { name } } });
    setSwitchRefused(response.ok ? undefined : refusal(response, error));
    reload();
  };

  return (
    <main>
      <h2>Providers</h2>
      {switchRefused && <p role="alert">{switchRefused}</p>}
      <Shown value={loaded}>
        {({ providers, activity }) => (
          <>
            <Providers providers={providers} onTurn={(name, action) => void turn(name, action)} />
            <section aria-labelledby="activity-heading">
              <h3 id="activity-heading">Last hour</h3>
              <div class="activities">
                {activity.map((provider) => (
                  <ActivityChart key={provider.name} activity={provider} />
                ))}
              </div>
            </section>
          </>
        )}
      </Shown>
    </main>
  );
}

const COLUMNS = ['Provider', 'Priority', 'Enabled', 'Breaker', 'Paused for', 'Score', 'Rate limit', 'Recent calls', 'Success rate', 'Mean latency', 'Switch'];

function Providers({ providers, onTurn }: { providers: ProviderStatus[]; onTurn: (name: string, action: Switch) => void }) {
  return (
    <table>
      <caption>In priority order; recent results over each provider's last 100 calls</caption>
      <ColumnHeads names={COLUMNS} />
      <tbody>
        {providers.map((provider) => (
          <tr key={provider.name} data-name={provider.name}>
            <td>{provider.name}</td>
            <td>{provider.priority}</td>
            <td>{provider.enabled ? 'yes' : 'no'}</td>
            <td>
              <span class={`badge badge-breaker-${provider.breaker}`}>{provider.breaker}</span>
            </td>
            <td>{provider.pausedForMs > 0 ? `${Math.ceil(provider.pausedForMs / 1000)} s` : '—'}</td>
            <td>{provider.score}</td>
            <td>{provider.rateLimit === null ? 'none' : `${provider.rateLimit}/s`}</td>
            <td>{provider.recent.calls}</td>
            <td>{provider.recent.successRate === null ? '—' : `${Math.round(provider.recent.successRate * 100)}%`}</td>
            <td>{provider.recent.meanLatencyMs === null ? '—' : `${provider.recent.meanLatencyMs} ms`}</td>
            <td>
              <SwitchButton provider={provider} onTurn={onTurn} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SwitchButton({ provider: { name, enabled }, onTurn }: { provider: ProviderStatus; onTurn: (name: string, action: Switch) => void }) {
  const action: Switch = enabled ? 'disable' : 'enable';
  return (
    <button type="button" aria-label={`${enabled ? 'Disable' : 'Enable'} ${name}`} onClick={() => onTurn(name, action)}>
      {enabled ? 'Disable' : 'Enable'}
    </button>
  );
}

/** The listing and the activity together: a key that may not read one may not read the other. */
async function load(apiKey: string | undefined): Promise<Loaded> {
  const client = consoleClient(apiKey);
  const [statuses, activity] = await Promise.all([client.GET('/v1/providers'), client.GET('/v1/providers/activity')]);
  if (!statuses.data) return failed(statuses.response, statuses.error);
  if (!activity.data) return failed(activity.response, activity.error);
  return { state: 'loaded', providers: statuses.data, activity: activity.data };
}

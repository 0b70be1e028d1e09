import { useState } from 'preact/hooks';
import type { KeyCheck } from './console-api';

interface Props {
  onSignIn: (apiKey: string) => Promise<KeyCheck>;
}

/** What the form says when the key did not get the user in. */
const NOT_IN: Record<Exclude<KeyCheck, 'accepted'>, string> = {
  refused: 'mailroute refused this key.',
  unreachable: 'mailroute did not answer; try again.',
};

export function SignIn({ onSignIn }: Props) {
  const [apiKey, setApiKey] = useState('');
  const [outcome, setOutcome] = useState<KeyCheck>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setOutcome(await onSignIn(apiKey.trim()));
    setBusy(false);
  };

  return (
    <main class="sign-in">
      <h1>mailroute</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          required
          value={apiKey}
          onInput={(event) => setApiKey(event.currentTarget.value)}
          aria-describedby={outcome && outcome !== 'accepted' ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {outcome && outcome !== 'accepted' && (
          <p id="sign-in-error" role="alert">
            {NOT_IN[outcome]}
          </p>
        )}
      </form>
      <p class="hint">The key stays in this tab only, and goes to mailroute's API as a Bearer token.</p>
    </main>
  );
}

import { useState } from 'preact/hooks';

interface Props {
  onSignIn: (apiKey: string) => Promise<boolean>;
}

export function SignIn({ onSignIn }: Props) {
  const [apiKey, setApiKey] = useState('');
  const [refused, setRefused] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setRefused(!(await onSignIn(apiKey.trim())));
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
          aria-describedby={refused ? 'sign-in-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {refused && (
          <p id="sign-in-error" role="alert">
            mailroute refused this key.
          </p>
        )}
      </form>
      <p class="hint">The key stays in this tab only, and goes to mailroute's API as a Bearer token.</p>
    </main>
  );
}

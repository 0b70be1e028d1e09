/** Each provider's state, its recent sends and failures, and, for an admin key, its switch. */
export function ProvidersPage(_: { apiKey?: string }) {
  return (
    <main>
      <h2>Providers</h2>
    </main>
  );
}

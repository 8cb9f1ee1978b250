/** Pieces every view uses: loading and failure states, the admins-only notice, form helpers. */

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status" aria-busy="true">Loading {what}…</p>;
}

export function Failed({ error, retry }: { error: string; retry?: () => void }) {
  return (
    <p class="error" role="alert">
      {error} {retry !== undefined && <button type="button" class="link" onClick={retry}>Try again</button>}
    </p>
  );
}

export function AdminOnly({ what }: { what: string }) {
  return (
    <section>
      <h1>{what}</h1>
      <p class="muted">{what} is for administrators. <a href="/workflows">Go to your workflows</a>.</p>
    </section>
  );
}

/** "a, b  c" → ["a", "b", "c"] */
export function parseLabels(text: string): string[] {
  return text.split(/[\s,]+/).map((label) => label.trim()).filter((label) => label !== '');
}

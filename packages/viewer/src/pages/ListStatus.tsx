/** What an admin list page shows above its table: the load error, "Loading…" or "No … yet." */
export function ListStatus({
  error,
  items,
  loading,
  empty,
}: {
  error: string | null;
  items: readonly unknown[] | null;
  loading: string;
  empty: string;
}) {
  return (
    <>
      <ErrorAlert error={error} />
      {items === null && !error && <p className="muted">{loading}</p>}
      {items && items.length === 0 && <p className="muted">{empty}</p>}
    </>
  );
}

/** An error message read out as soon as it appears; nothing without one. */
export function ErrorAlert({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

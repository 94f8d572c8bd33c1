import { useMemo, useState } from "react";

/**
 * A sidebar list that leaves archived items out until asked (threads, projects): `list` is
 * what shows, sorted by `order` (a function that never changes); `toggle` the link that
 * shows or hides the archived ones, nothing while there are none.
 */
export function useArchivedFilter<T extends { archived: boolean }>(
  items: ReadonlyMap<string, T>,
  order: (a: T, b: T) => number,
) {
  const [shown, setShown] = useState(false);
  const list = useMemo(
    () => [...items.values()].filter((t) => shown || !t.archived).sort(order),
    [items, shown, order],
  );
  const archived = useMemo(() => [...items.values()].filter((t) => t.archived).length, [items]);
  const toggle =
    archived > 0 ? (
      <button type="button" className="link" onClick={() => setShown(!shown)}>
        {shown ? "Hide archived" : `Show ${archived} archived`}
      </button>
    ) : null;
  return { list, toggle };
}

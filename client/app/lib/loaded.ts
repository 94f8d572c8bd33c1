import { useCallback, useEffect, useState } from "react";
import { errorText } from "./api";

/**
 * What a panel shows from one read (a list from the auth API, say): `value` is `initial`
 * until the first answer; `error` is the last read's failure as a sentence, gone once a
 * read succeeds; `reload` reads again (after a change the panel made). Read when the panel
 * mounts and again whenever `read` changes, so pass one made with useCallback; `null`
 * reads nothing (not connected yet).
 */
export function useLoaded<T>(read: (() => Promise<T>) | null, initial: T) {
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    if (!read) return;
    try {
      setValue(await read());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [read]);
  useEffect(() => void reload(), [reload]);
  return { value, error, reload, setValue };
}

import { useEffect, useState } from "react";

/**
 * Re-renders every `ms` while `running`, for lines in relative time ("expires in …", "last sent
 * 3 minutes ago") that must not go stale on an idle screen. Only the clock ticks: what the line
 * says comes from the room's state.
 */
export function useMinuteClock(ms = 30_000, running = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, running]);
  return now;
}

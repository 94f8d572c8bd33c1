// A value sent at most once per window, the latest one: the first after a quiet window goes at
// once, the ones told within the window after it wait, and only the last of them goes at the
// window's end (decision 81). For a state whose every value replaces the one before (the
// workspace's money after each model call), where a client needs the newest, not each step.
// The timer is in memory: an eviction inside a window loses that window's last value, as any
// state a client reads again when it comes back.
export function latestWindow<T>(send: (value: T) => void, ms: number): (value: T) => void {
  let held: { value: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const tick = () => {
    timer = null;
    if (held === null) return;
    const { value } = held;
    held = null;
    send(value);
    timer = setTimeout(tick, ms);
  };
  return (value) => {
    if (timer !== null) {
      held = { value };
      return;
    }
    send(value);
    timer = setTimeout(tick, ms);
  };
}

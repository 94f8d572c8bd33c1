import { create } from "zustand";
import type { Schedule } from "../../../shared/protocol/schedules";
import type { AutopilotClient } from "../../src/client";
import { followRoomClient } from "./room";

/**
 * The workspace's schedules as the app sees them (protocol 9). The hello carries none: after
 * every hello this store reads them all (a workspace keeps a bounded number), and
 * `schedule.changed` / `schedule.deleted` keep them current, so what shows is the room's.
 * `known` stays false until a read answered (a reader without access, an older room).
 */
interface SchedulesStore {
  schedules: ReadonlyMap<string, Schedule>;
  known: boolean;
}

export const useSchedules = create<SchedulesStore>(() => ({ schedules: new Map(), known: false }));

function follow(client: AutopilotClient | null): () => void {
  useSchedules.setState({ schedules: new Map(), known: false });
  if (!client) return () => {};
  // The newest read wins: a hello while one is in flight reads again.
  let reads = 0;
  const read = () => {
    const mine = ++reads;
    client.request("schedules.list", {}).then(
      ({ schedules }) => {
        if (mine === reads) useSchedules.setState({ schedules: new Map(schedules.map((s) => [s.id, s])), known: true });
      },
      () => {
        if (mine === reads) useSchedules.setState({ schedules: new Map(), known: false });
      },
    );
  };
  const change = (apply: (next: Map<string, Schedule>) => void) => {
    const next = new Map(useSchedules.getState().schedules);
    apply(next);
    useSchedules.setState({ schedules: next });
  };
  const off = [
    client.on("hello", read),
    client.on("schedule.changed", ({ schedule }) => change((next) => next.set(schedule.id, schedule))),
    client.on("schedule.deleted", ({ scheduleId }) => change((next) => next.delete(scheduleId))),
  ];
  if (client.hello) read();
  return () => {
    reads++;
    for (const stop of off) stop();
  };
}

followRoomClient(follow);

/** The thread a schedule acts in, if any: where its prompts post, or the thread its tasks work in. */
export const scheduleThread = (schedule: Schedule): string | null => schedule.action.threadId ?? null;

import { useEffect, useState } from "react";
import { ClockIcon } from "../lib/clock-icon";
import type { Thread } from "../../../shared/protocol/threads";
import { unreadIn } from "../../src/state";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { type ThreadState, threadStateOf, useThreadStates } from "../lib/thread-state";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { useArchivedFilter } from "./archived-filter";
import { LoadMore } from "./LoadMore";
import { QuickCreate } from "./QuickCreate";
import { SideSection } from "./SideSection";
import "./thread-list.css";

/**
 * The left bar's threads: a new thread's title, then the threads this person pinned (the most
 * recently pinned first), then the rest, the latest message first.
 */

/**
 * This person's pinned threads (protocol 11), kept in the room so all their devices agree:
 * asked on every hello (a resume may have missed a change), then followed by `thread.pins`,
 * which only their own sockets get. `known` stays false against a room that does not keep pins.
 */
function usePins() {
  const client = useRoom((s) => s.client);
  const [pins, setPins] = useState<{ ids: readonly string[]; known: boolean }>({ ids: [], known: false });
  useEffect(() => {
    setPins({ ids: [], known: false });
    if (!client) return;
    const read = () =>
      client.request("threads.pins", {}).then(
        ({ pins }) => setPins({ ids: pins, known: true }),
        // An older room answers unknown_method: no pins, and no pin buttons.
        () => setPins({ ids: [], known: false }),
      );
    const off = [
      client.on("hello", () => void read()),
      client.on("thread.pins", ({ pins }) => setPins({ ids: pins, known: true })),
    ];
    if (client.hello) void read();
    return () => {
      for (const stop of off) stop();
    };
  }, [client]);
  return pins;
}

/** A thumbtack, drawn so that it shows whatever fonts the device has. */
const PinIcon = () => (
  <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
    <path
      d="M10.2 1.3l4.5 4.5-1.4 1-2.1 2.1.4 3.3-1.3 1.3-3-3-4 4H2.8v-.5l4-4-3-3 1.3-1.3 3.3.4 2.1-2.1z"
      fill="currentColor"
    />
  </svg>
);

/**
 * What is going on in a thread, beside its time: working, approvals waiting (how many),
 * scheduled, failed. Each says so in words to a screen reader and in its tooltip.
 */
function ThreadMarks({ state }: { state: ThreadState }) {
  if (!state.running && !state.waiting && !state.scheduled && !state.failed) return null;
  return (
    <span className="thread-marks">
      {state.failed && (
        <span className="mark failed" title="Its task failed">
          !<span className="sr-only"> failed</span>
        </span>
      )}
      {state.waiting > 0 && (
        <span className="mark waiting" title={`${state.waiting} waiting for approval`}>
          {state.waiting}
          <span className="sr-only"> waiting for approval</span>
        </span>
      )}
      {state.running && (
        <span className="mark running" title="Working now">
          <span className="sr-only">running</span>
        </span>
      )}
      {state.scheduled && (
        <span className="mark scheduled" title="Scheduled">
          <ClockIcon />
          <span className="sr-only">scheduled</span>
        </span>
      )}
    </span>
  );
}

/** The latest message (or the creation of an empty thread) first. */
const byLastMessage = (a: Thread, b: Thread) => (b.lastMessageAt ?? b.createdAt) - (a.lastMessageAt ?? a.createdAt);

export function Threads() {
  const threads = useRoom((s) => s.state.threads);
  const moreThreads = useRoom((s) => s.state.more.threads.left > 0);
  // Read markers are this person's, kept in the room (stores/unread.ts).
  const reads = useRoom((s) => s.state.reads);
  const selectedId = useUi((s) => s.selectedId);
  const select = useUi((s) => s.select);
  const canWrite = useCan("write");
  // No hello yet since the page loaded: the room's threads are not known, not absent.
  // After a reload without the server, what this device kept shows until it answers (stores/kept-view.ts).
  const answered = useRoom((s) => s.principal !== null || s.kept);
  // What this person read is the room's: not known until it answers, so nothing counts as unread.
  const kept = useRoom((s) => s.kept);
  const { list: byTime, toggle } = useArchivedFilter(threads, byLastMessage);
  const pins = usePins();
  const client = useRoom((s) => s.client);
  const pin = useAction(async ({ id, pinned }: { id: string; pinned: boolean }) => {
    await client?.threads.pin({ threadId: id, pinned });
  });
  // Pinned first, in pin order; a pinned thread the filter hides (archived) stays hidden.
  const pinned = pins.ids.flatMap((id) => byTime.find((t) => t.id === id) ?? []);
  const list = [...pinned, ...byTime.filter((t) => !pins.ids.includes(t.id))];
  const states = useThreadStates();
  return (
    <SideSection id="threads-h" title="Threads" count={list.length}>
      <QuickCreate
        id="new-thread-title"
        label="New thread title"
        placeholder="New thread…"
        maxLength={200}
        button="Create"
        buttonClass="primary small"
        create={async (title, client) => {
          const { thread } = await client.threads.create({ title });
          select(`thread:${thread.id}`, { focus: true });
          return null;
        }}
      />
      {!answered ? (
        <p className="empty">The workspace shows once the server answers.</p>
      ) : list.length === 0 && !moreThreads ? (
        <p className="empty">
          {canWrite
            ? "No threads yet. Give the first one a title above — people and agents talk in threads."
            : "No threads yet. Members and agents start them."}
        </p>
      ) : (
        <ul className="nav-list">
          {list.map((t) => {
            const unread = kept ? 0 : unreadIn({ reads }, t);
            const id = `thread:${t.id}`;
            const isPinned = pins.ids.includes(t.id);
            return (
              <li key={t.id} className={`thread-row${isPinned ? " pinned" : ""}`}>
                <button
                  type="button"
                  className={`nav-item ${selectedId === id ? "active" : ""} ${unread ? "unread" : ""}`}
                  onClick={() => select(id, { focus: true })}
                  aria-current={selectedId === id}
                >
                  {/* The whole title on hover: a narrow sidebar cuts it. */}
                  <span className="nav-title" id={`thread-title-${t.id}`} title={t.title}>
                    {t.title}
                  </span>
                  <span className="nav-meta">
                    <ThreadMarks state={threadStateOf(states, t.id)} />
                    {unread > 0 ? (
                      <span className="badge">{unread}</span>
                    ) : t.lastMessageAt ? (
                      relativeTime(t.lastMessageAt)
                    ) : (
                      "empty"
                    )}
                  </span>
                </button>
                {pins.known && (
                  <button
                    type="button"
                    className="icon small pin"
                    aria-pressed={isPinned}
                    // Named "Pin" (its row's title describes it), so a search for a thread by its
                    // title finds the thread's own button.
                    aria-label={isPinned ? "Unpin" : "Pin"}
                    aria-describedby={`thread-title-${t.id}`}
                    title={
                      isPinned ? "Unpin: back among the others" : "Pin at the top of your list (on all your devices)"
                    }
                    disabled={pin.pending && pin.running?.id === t.id}
                    onClick={() => pin.run({ id: t.id, pinned: !isPinned })}
                  >
                    <PinIcon />
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <FormError error={pin.error} />
      <LoadMore kind="threads" noun="threads" />
      {toggle}
    </SideSection>
  );
}

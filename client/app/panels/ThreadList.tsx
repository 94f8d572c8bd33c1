import type { Thread } from "../../../shared/protocol/threads";
import { unreadIn } from "../../src/state";
import { relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { useArchivedFilter } from "./archived-filter";
import { LoadMore } from "./LoadMore";
import { QuickCreate } from "./QuickCreate";
import { SideSection } from "./SideSection";

/** The left bar's threads: a new thread's title, then the threads, the latest message first. */

function NewThread() {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  if (!canWrite || !client) return null;
  return (
    <QuickCreate
      id="new-thread-title"
      label="New thread title"
      placeholder="New thread…"
      maxLength={200}
      button="Create"
      buttonClass="primary small"
      create={async (title) => {
        const { thread } = await client.threads.create({ title });
        select(`thread:${thread.id}`, { focus: true });
        return null;
      }}
    />
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
  const answered = useRoom((s) => s.principal !== null);
  const { list, toggle } = useArchivedFilter(threads, byLastMessage);
  return (
    <SideSection id="threads-h" title="Threads" count={list.length}>
      <NewThread />
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
            const unread = unreadIn({ reads }, t);
            const id = `thread:${t.id}`;
            return (
              <li key={t.id}>
                <button
                  type="button"
                  className={`nav-item ${selectedId === id ? "active" : ""} ${unread ? "unread" : ""}`}
                  onClick={() => select(id, { focus: true })}
                  aria-current={selectedId === id}
                >
                  <span className="nav-title">{t.title}</span>
                  <span className="nav-meta">
                    {unread > 0 ? (
                      <span className="badge">{unread}</span>
                    ) : t.lastMessageAt ? (
                      relativeTime(t.lastMessageAt)
                    ) : (
                      "empty"
                    )}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <LoadMore kind="threads" noun="threads" />
      {toggle}
    </SideSection>
  );
}

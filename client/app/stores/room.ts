import { errorText } from "../lib/api";
import { create } from "zustand";
import { type AgentInfo, isClippedTool } from "../../../shared/protocol/agent";
import type { Approval } from "../../../shared/protocol/approvals";
import type { Job } from "../../../shared/protocol/jobs";
import type { Principal, Scope } from "../../../shared/protocol/principal";
import type { Message } from "../../../shared/protocol/threads";
import { hasScope } from "../../../shared/scopes";
import { AutopilotClient, type ConnectionStatus } from "../../src/client";
import { emptyState, type WorkspaceState } from "../../src/state";
import { useInbox } from "../inbox/store";
import { keepView, readKeptView } from "./kept-view";
import { useOutbox } from "./outbox";
import { useSession } from "./session";

/**
 * The Autopilot room as the UI sees it. Fed ONLY by the AutopilotClient's events
 * (`state`, `status`, `hello`, `message.created`, `job.*`): nothing here is fetched over
 * HTTP and nothing is polled. Components select slices (`state.approvals`, …); the
 * client's state is immutable with per-collection identity, so a new approval does not
 * re-render the thread list.
 */

export interface JobPoint {
  at: number;
  progress: number;
  status: Job["status"];
  message: string;
}

export interface ThreadMessages {
  messages: Message[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  /** What this device kept from an earlier visit (stores/kept-view.ts), shown until the room answers. */
  kept?: boolean;
}

interface RoomStore {
  client: AutopilotClient | null;
  workspaceId: string | null;
  state: WorkspaceState;
  status: ConnectionStatus;
  /** When the next connection attempt starts (for the countdown). */
  retryAt: number | null;
  /** Why the connection dropped, in words. */
  error: string | null;
  principal: Principal | null;
  /** The Autopilot's model status from the latest hello (null: the room did not say). */
  agentModel: AgentInfo["model"] | null;
  /** Progress reports seen while this page was open (the room keeps only the latest). */
  jobHistory: ReadonlyMap<string, readonly JobPoint[]>;
  /**
   * Messages of the thread open here: first page from messages.list, then live events. Only
   * the thread this tab views gets its messages (protocol 18); the others' rows follow by bumps.
   */
  threadMessages: ReadonlyMap<string, ThreadMessages>;
  /** Changes made here that the room has not answered yet (the client's outbox): they go out when it is back. */
  unsent: number;
  /** The room has not answered since a reload found the server gone: the threads shown are what this device kept. */
  kept: boolean;
  connect(workspaceId: string): () => void;
  loadMessages(threadId: string, older?: boolean): Promise<void>;
  /** A tool message whose result came live as its opening (`tool.steps`), read whole. */
  loadWholeMessage(threadId: string, n: number): Promise<void>;
}

const initial = {
  client: null,
  workspaceId: null,
  state: emptyState,
  status: "connecting" as ConnectionStatus,
  retryAt: null,
  error: null,
  principal: null,
  agentModel: null,
  jobHistory: new Map(),
  threadMessages: new Map(),
  unsent: 0,
  kept: false,
};

function pointOf(job: Job): JobPoint {
  return { at: job.updatedAt, progress: job.progress, status: job.status, message: job.message };
}

function withPoint(history: ReadonlyMap<string, readonly JobPoint[]>, job: Job): Map<string, readonly JobPoint[]> {
  const next = new Map(history);
  const points = next.get(job.id) ?? [];
  const last = points[points.length - 1];
  if (last && last.at === job.updatedAt && last.progress === job.progress && last.status === job.status) return next;
  next.set(job.id, [...points, pointOf(job)].slice(-50));
  return next;
}

/**
 * Inserts by ordinal, ignoring duplicates (a live event can race the first page); a tool
 * result's opening (`tool.steps`) never replaces the whole result already held.
 */
function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const byN = new Map(current.map((m) => [m.n, m]));
  for (const m of incoming) {
    const held = byN.get(m.n);
    if (m.tool && isClippedTool(m.tool) && held?.id === m.id && held.tool && !isClippedTool(held.tool)) continue;
    byN.set(m.n, m);
  }
  return [...byN.values()].sort((a, b) => a.n - b.n);
}

export const useRoom = create<RoomStore>((set, get) => ({
  ...initial,

  connect(workspaceId) {
    // The outbox: what is sent while the room is out of reach waits for it (stores/outbox.ts).
    // It views the thread open here only (loadMessages): every other thread's row follows by
    // the room's bumps, so a big workspace sends this tab what it shows, not every message.
    const client = new AutopilotClient({ workspace: workspaceId, device: "browser", outbox: true, view: [] });
    set({ ...initial, client, workspaceId, ...keptWhileOffline(workspaceId) });
    useInbox.getState().set(null);
    const stillCurrent = () => get().client === client;
    const off = [
      client.on("state", (state) => {
        // What the device kept stays until the room's first hello replaces it.
        if (stillCurrent() && (client.hello || !get().kept)) set({ state });
      }),
      client.on("hello", (hello) => {
        if (!stillCurrent()) return;
        let jobHistory = get().jobHistory;
        for (const job of client.state.jobs.values()) jobHistory = withPoint(jobHistory, job);
        const threadMessages = new Map([...get().threadMessages].filter(([, page]) => !page.kept));
        set({
          principal: hello.principal,
          agentModel: hello.agent?.model ?? null,
          jobHistory,
          state: client.state,
          kept: false,
          threadMessages,
        });
      }),
      // This person's inbox, sent to their sockets only (client/app/inbox/).
      client.on("inbox.updated", ({ inbox }) => {
        if (stillCurrent()) useInbox.getState().set(inbox);
      }),
      client.on("outbox", (entries) => {
        if (stillCurrent()) set({ unsent: entries.length });
      }),
      client.on("principal.updated", ({ principal }) => {
        if (stillCurrent()) set({ principal });
      }),
      // A snapshot replaced our state: messages we cached may have gaps, so re-fetch on demand.
      client.on("reset", () => {
        if (stillCurrent()) set({ threadMessages: new Map() });
      }),
      client.on("status", (status, detail) => {
        if (!stillCurrent()) return;
        set({
          status,
          retryAt: detail.retryInMs !== undefined ? Date.now() + detail.retryInMs : null,
          // In words: the connection pill shows it as it is (lib/api.ts errorText).
          error: detail.error ? errorText(detail.error) : status === "connected" ? null : get().error,
        });
        // Opened from what the device kept while the server was out of reach: it answers again, so the session is read again.
        if (status === "connected" && useSession.getState().offline) void useSession.getState().load();
        if (status === "closed" && detail.error?.code === "unauthenticated") useSession.getState().sessionEnded();
        // Removed from the workspace (or it was deleted) while it was open: say so, do not retry.
        if (status === "closed" && detail.error?.code === "forbidden") useSession.getState().accessRemoved(workspaceId);
      }),
      client.on("message.created", ({ message }) => {
        if (!stillCurrent()) return;
        const me = get().principal;
        if (me) useOutbox.getState().landed(message, me.id);
        const cached = get().threadMessages.get(message.threadId);
        if (!cached) return; // nobody has this thread open; the first open fetches it
        const threadMessages = new Map(get().threadMessages);
        threadMessages.set(message.threadId, { ...cached, messages: mergeMessages(cached.messages, [message]) });
        set({ threadMessages });
      }),
      // Every job event carries the whole job; `event` sees them all with one listener.
      client.on("event", (frame) => {
        if (!stillCurrent() || !frame.event.startsWith("job.")) return;
        const job = client.state.jobs.get((frame.payload as { job?: { id?: string } }).job?.id ?? "");
        if (job) set({ jobHistory: withPoint(get().jobHistory, job) });
      }),
    ];
    // What this person left unsent here on this device goes out now (stores/outbox.ts); after
    // the listeners, so the connection pill counts it.
    useOutbox.getState().open(client, useSession.getState().me?.user.id ?? "anyone", workspaceId);
    const stopKeeping = keepWhileLive(workspaceId, client, stillCurrent);
    return () => {
      stopKeeping();
      for (const unsubscribe of off) unsubscribe();
      client.close();
      if (stillCurrent()) {
        set({ ...initial });
        useInbox.getState().set(null);
      }
    };
  },

  async loadMessages(threadId, older = false) {
    const { client } = get();
    if (!client) return;
    // The tab views one thread: the client's view (which every reconnect asks for) says which.
    const viewing = () => client.viewing?.[0] === threadId;
    if (!viewing()) {
      // Viewed first, listed after: what is posted between the two comes live and in the page, never in neither.
      // A thread no longer viewed gets no live messages: what was loaded of it is dropped, and read again when opened.
      set({ threadMessages: new Map([...get().threadMessages].filter(([id]) => id === threadId)) });
      try {
        await client.threads.view({ threads: [threadId] });
      } catch {
        // Not connected: the next connect asks for this view (the client keeps it).
      }
      if (get().client !== client || !viewing()) return;
    }
    const cached = get().threadMessages.get(threadId);
    if (cached?.loading) return;
    if (cached && !older && !cached.kept) return; // live events keep an open thread current
    const patch = (value: ThreadMessages) => {
      const threadMessages = new Map(get().threadMessages);
      threadMessages.set(threadId, value);
      set({ threadMessages });
    };
    const base: ThreadMessages = cached ?? { messages: [], hasMore: false, loading: false, error: null };
    patch({ ...base, loading: true, error: null });
    try {
      const before = older ? base.messages[0]?.n : undefined;
      const page = await client.messages.list({ threadId, limit: 50, ...(before !== undefined && { before }) });
      const now = get().threadMessages.get(threadId) ?? base;
      patch({
        messages: mergeMessages(now.messages, page.messages),
        hasMore: page.hasMore,
        loading: false,
        error: null,
      });
    } catch (error) {
      const now = get().threadMessages.get(threadId) ?? base;
      patch({ ...now, loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  },

  async loadWholeMessage(threadId, n) {
    const { client } = get();
    if (!client) return;
    // The page of one message ending at it: the room stores every result whole.
    const page = await client.messages.list({ threadId, before: n + 1, limit: 1 });
    const cached = get().threadMessages.get(threadId);
    const whole = page.messages.filter((m) => m.n === n);
    if (get().client !== client || !cached || whole.length === 0) return;
    const threadMessages = new Map(get().threadMessages);
    threadMessages.set(threadId, { ...cached, messages: mergeMessages(cached.messages, whole) });
    set({ threadMessages });
  },
}));

/** A reload that found the server gone opens on what this device kept of the workspace (stores/kept-view.ts). */
function keptWhileOffline(workspaceId: string): Partial<RoomStore> {
  const person = useSession.getState().me?.user.id;
  const view = person && useSession.getState().offline ? readKeptView(person, workspaceId) : null;
  if (!view) return {};
  const threadMessages = new Map<string, ThreadMessages>();
  if (view.open)
    threadMessages.set(view.open.threadId, {
      messages: view.open.messages,
      hasMore: false,
      loading: false,
      error: null,
      kept: true,
    });
  return { kept: true, state: { ...emptyState, threads: new Map(view.threads.map((t) => [t.id, t])) }, threadMessages };
}

/** How long the room stays unchanged before its kept view is written again. */
const KEEP_AFTER_MS = 3_000;

/**
 * While the room is live, what a reload without the server would show is kept: once the
 * room has been still a few seconds (the view is up to a megabyte of JSON, not rewritten on
 * every change), and at once when the page is hidden or left, where a wait could lose it.
 */
function keepWhileLive(workspaceId: string, client: AutopilotClient, stillCurrent: () => boolean): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    const room = useRoom.getState();
    const person = useSession.getState().me?.user.id;
    if (!stillCurrent() || room.kept || !room.principal || !person) return;
    const open = client.viewing?.[0];
    const page = open ? room.threadMessages.get(open) : undefined;
    keepView(
      person,
      workspaceId,
      room.state.threads.values(),
      open && page ? { threadId: open, messages: page.messages } : null,
    );
  };
  const flush = () => {
    if (!timer) return;
    clearTimeout(timer);
    write();
  };
  const onVisibility = () => {
    if (document.visibilityState === "hidden") flush();
  };
  const unsubscribe = useRoom.subscribe((now, before) => {
    if (now.state.threads === before.state.threads && now.threadMessages === before.threadMessages) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(write, KEEP_AFTER_MS);
  });
  document.addEventListener("visibilitychange", onVisibility);
  addEventListener("pagehide", flush);
  return () => {
    unsubscribe();
    document.removeEventListener("visibilitychange", onVisibility);
    removeEventListener("pagehide", flush);
    if (timer) clearTimeout(timer);
  };
}

/**
 * Runs `follow` for whichever client the room store holds, now and whenever it opens another
 * (another workspace, a new tab session); what `follow` returns undoes it first. For stores
 * that read from the room beside its state (tasks, schedules).
 */
export function followRoomClient(follow: (client: AutopilotClient | null) => () => void): void {
  let unfollow = follow(useRoom.getState().client);
  useRoom.subscribe((state, previous) => {
    if (state.client === previous.client) return;
    unfollow();
    unfollow = follow(state.client);
  });
}

export const useCan = (scope: Scope): boolean =>
  useRoom((s) => (s.principal ? hasScope(s.principal.scopes, scope) : false));

/** Pending first, each group newest first: the queue a person works through. */
export function sortApprovals(approvals: Iterable<Approval>): Approval[] {
  return [...approvals].sort((a, b) => {
    if ((a.status === "pending") !== (b.status === "pending")) return a.status === "pending" ? -1 : 1;
    return (b.resolvedAt ?? b.requestedAt) - (a.resolvedAt ?? a.requestedAt);
  });
}

import { type KeyboardEvent, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Message } from "../../../shared/protocol/threads";
import { type AgentKey, authApi, type Member } from "../lib/api";
import {
  activeMention,
  filterMentions,
  insertMention,
  type MentionCandidate,
  mentionCandidates,
} from "../lib/mentions";
import { useRoom } from "../stores/room";
import { currentWorkspace, useSession } from "../stores/session";

// The composer's textarea with @mention autocomplete: typing `@` lists who can be named
// (lib/mentions.ts), ↑/↓ move, Enter or Tab insert `@Name `, Escape closes. The textarea
// keeps focus throughout; the list is tied to it with aria-controls and
// aria-activedescendant, as in the WAI-ARIA combobox pattern.

interface Directory {
  members: Member[];
  keys: AgentKey[];
}

/**
 * Members (and, for owners and admins, agent keys) per workspace, asked once per page load
 * on the first `@`: no polling, since presence and the thread's authors cover newcomers.
 */
const directories = new Map<string, Promise<Directory>>();

function loadDirectory(workspaceId: string, manager: boolean): Promise<Directory> {
  const cacheKey = `${workspaceId}:${manager}`;
  let pending = directories.get(cacheKey);
  if (!pending) {
    const settle = <T,>(request: Promise<T>, empty: T) =>
      request.catch(() => {
        // Unavailable now (offline, say): the next `@` asks again.
        directories.delete(cacheKey);
        return empty;
      });
    pending = Promise.all([
      settle(
        authApi.members(workspaceId).then((r) => r.members),
        [] as Member[],
      ),
      manager
        ? settle(
            authApi.keys(workspaceId).then((r) => r.keys),
            [] as AgentKey[],
          )
        : [],
    ]).then(([members, keys]) => ({ members, keys }));
    directories.set(cacheKey, pending);
  }
  return pending;
}

/** Who a mention in this thread can name, from what the room and the workspace say now. */
function useMentionCandidates(messages: readonly Message[] | undefined, wanted: boolean): MentionCandidate[] {
  const workspaceId = useRoom((s) => s.workspaceId);
  const presence = useRoom((s) => s.state.presence);
  const instances = useRoom((s) => s.state.instances);
  const selfId = useRoom((s) => s.principal?.id ?? null);
  const manager = useSession((s) => currentWorkspace(s)?.scopes.includes("admin") ?? false);
  const [directory, setDirectory] = useState<Directory>({ members: [], keys: [] });
  useEffect(() => {
    if (!wanted || !workspaceId) return;
    let live = true;
    void loadDirectory(workspaceId, manager).then((found) => {
      if (live) setDirectory(found);
    });
    return () => {
      live = false;
    };
  }, [wanted, workspaceId, manager]);
  return useMemo(
    () =>
      mentionCandidates({
        members: directory.members,
        keys: directory.keys,
        presence: presence.values(),
        authors: (messages ?? []).map((m) => m.author),
        instances: instances.values(),
        selfId,
      }),
    [directory, presence, messages, instances, selfId],
  );
}

interface Props {
  id: string;
  value: string;
  onChange(value: string): void;
  /** Keys the list does not take (Enter to send, say). */
  onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): void;
  /** The thread's messages: their authors can be named too. */
  messages: readonly Message[] | undefined;
  placeholder?: string;
  disabled?: boolean;
}

export function MentionInput({ id, value, onChange, onKeyDown, messages, placeholder, disabled }: Props) {
  const listId = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  // Escape or a pick closes the list for this `@` (by where it starts) until the text changes.
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const nextCaret = useRef<number | null>(null);

  const mention = activeMention(value, caret);
  const candidates = useMentionCandidates(messages, mention !== null);
  const options = useMemo(
    () => (mention ? filterMentions(candidates, mention.query) : []),
    [candidates, mention?.query, mention],
  );
  const open = mention !== null && mention.start !== dismissedAt && options.length > 0 && !disabled;
  const current = open ? Math.min(active, options.length - 1) : -1;

  // Put the caret after an inserted mention once React has written the new text.
  useLayoutEffect(() => {
    if (nextCaret.current === null || !input.current) return;
    input.current.setSelectionRange(nextCaret.current, nextCaret.current);
    nextCaret.current = null;
  });

  const pick = (option: MentionCandidate) => {
    if (!mention) return;
    const next = insertMention(value, mention.start, caret, option.name);
    nextCaret.current = next.caret;
    setCaret(next.caret);
    setActive(0);
    // Done with this `@`: "@Ada " must not reopen the list for "Ada Lovelace", where Enter would pick instead of send.
    setDismissedAt(mention.start);
    onChange(next.text);
  };

  const keyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (open && !e.nativeEvent.isComposing) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        setActive((current + step + options.length) % options.length);
        return;
      }
      if ((e.key === "Enter" || e.key === "Tab") && !e.shiftKey) {
        e.preventDefault();
        pick(options[current]!);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setDismissedAt(mention.start);
        return;
      }
    }
    onKeyDown(e);
  };

  const track = (el: HTMLTextAreaElement) => setCaret(el.selectionStart ?? el.value.length);

  return (
    <div className="mention-input">
      <textarea
        id={id}
        ref={input}
        rows={2}
        placeholder={placeholder}
        value={value}
        disabled={disabled}
        aria-autocomplete="list"
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${current}` : undefined}
        onChange={(e) => {
          track(e.currentTarget);
          setActive(0);
          // Typing more reopens a list closed by Escape or a pick.
          setDismissedAt(null);
          onChange(e.currentTarget.value);
        }}
        onSelect={(e) => track(e.currentTarget)}
        onBlur={() => setDismissedAt(mention?.start ?? null)}
        onFocus={() => setDismissedAt(null)}
        onKeyDown={keyDown}
      />
      {open && (
        <div className="mention-list" id={listId} role="listbox" aria-label="People and agents to mention">
          {options.map((option, i) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard works in the textarea, which keeps focus (aria-activedescendant)
            <div
              key={option.id}
              id={`${listId}-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === current}
              className={i === current ? "is-active" : undefined}
              // Before the textarea's blur: pick without losing focus.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => pick(option)}
            >
              <span className="mention-name">@{option.name}</span>
              <span className="mention-kind">{KIND_LABEL[option.kind]}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

const KIND_LABEL: Record<MentionCandidate["kind"], string> = {
  person: "person",
  agent: "agent",
  autopilot: "Autopilot",
  instance: "OpenClaw",
};

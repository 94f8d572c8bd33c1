import { submitted } from "../lib/form-submit";
import { useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { MAX_PROJECT_LINK_TITLE, type Project } from "../../../shared/protocol/projects";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { safeUrl } from "../lib/markdown";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { ACCEPT, fileUrl, refusalBefore, sizeText, uploadFile } from "./attachments/upload";
import { Options } from "../lib/options";
import { SideSection } from "./SideSection";

/**
 * The lists of a project's view (ProjectView.tsx): links, threads, instances and files,
 * each with what people with `write` may add and take out. Every change is one
 * `projects.update`; the view follows the room's `project.changed`, never its own request.
 */

type Update = Parameters<NonNullable<ReturnType<typeof useRoom.getState>["client"]>["projects"]["update"]>[0];

/** One update of the project, as an action (pending, and its error in words). */
function useUpdate(project: Project) {
  const client = useRoom((s) => s.client);
  return useAction(async (change: Omit<Update, "projectId">) => {
    await client?.projects.update({ projectId: project.id, ...change });
  });
}

/** A part of the project's view, as the sidebar's parts are made. */
const Section = (props: { id: string; title: string; count: number; children: ReactNode }) => (
  <SideSection look="project" {...props} />
);

/**
 * The project's threads and its instances, as their lists show and change them: the section,
 * the selection a row opens, the picker's words (the form's name, the list's, its empty choice
 * and the button), and the change that adds or takes out one.
 */
interface Part {
  id: string;
  title: string;
  selection: string;
  words: { form: string; list: string; none: string; button: string };
  add: (id: string) => Omit<Update, "projectId">;
  remove: (id: string) => Omit<Update, "projectId">;
  removeLabel: (name: string) => string;
}
const THREADS: Part = {
  id: "project-threads-h",
  title: "Threads",
  selection: "thread",
  words: { form: "Add a thread", list: "Thread to add", none: "Add a thread…", button: "Add" },
  add: (id) => ({ addThreadIds: [id] }),
  remove: (id) => ({ removeThreadIds: [id] }),
  removeLabel: (name) => `Take ${name} out of the project`,
};
const INSTANCES: Part = {
  id: "project-instances-h",
  title: "Instances",
  selection: "instance",
  words: { form: "Attach an instance", list: "Instance to attach", none: "Attach an instance…", button: "Attach" },
  add: (id) => ({ addInstanceIds: [id] }),
  remove: (id) => ({ removeInstanceIds: [id] }),
  removeLabel: (name) => `Detach ${name} from the project`,
};

/** Adds one of `candidates` to the project as `part`; the choice clears after each add. Nothing when none is left. */
function AddPicker({
  part,
  candidates,
  update,
}: {
  part: Part;
  candidates: readonly { id: string; label: string }[];
  update: ReturnType<typeof useUpdate>;
}) {
  const { words } = part;
  const [choice, setChoice] = useState("");
  if (candidates.length === 0) return null;
  return (
    <form
      className="project-add"
      aria-label={words.form}
      onSubmit={submitted(() => {
        if (choice) update.run(part.add(choice));
        setChoice("");
      })}
    >
      <select aria-label={words.list} value={choice} onChange={(e) => setChoice(e.target.value)}>
        <option value="">{words.none}</option>
        <Options items={candidates} value={(c) => c.id} label={(c) => c.label} />
      </select>
      <button type="submit" className="small" disabled={update.pending || !choice}>
        {words.button}
      </button>
    </form>
  );
}

function RemoveButton({ label, onClick, disabled }: { label: string; onClick: () => void; disabled: boolean }) {
  return (
    <button
      type="button"
      className="ghost icon small project-remove"
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
    >
      ×
    </button>
  );
}

/**
 * The project's threads or its instances (`part`), `count` of them: each row opens its item in
 * the inspector and, for those who may change the project, its × takes it out; the picker adds
 * one of `candidates`. `name` is what the × says it takes out.
 */
function PartList({
  project,
  part,
  count,
  empty,
  items,
  candidates,
}: {
  project: Project;
  part: Part;
  count: number;
  empty: ReactNode;
  items: readonly { id: string; title: string; meta: string; name: string }[];
  candidates: readonly { id: string; label: string }[];
}) {
  const canWrite = useCan("write");
  const update = useUpdate(project);
  const select = useUi((s) => s.select);
  return (
    <Section id={part.id} title={part.title} count={count}>
      {items.length === 0 && empty}
      <ul className="project-list">
        {items.map((item) => (
          <li key={item.id}>
            <button
              type="button"
              className="nav-item"
              onClick={() => select(`${part.selection}:${item.id}`, { focus: true })}
            >
              <span className="nav-title">{item.title}</span>
              <span className="nav-meta">{item.meta}</span>
            </button>
            {canWrite && (
              <RemoveButton
                label={part.removeLabel(item.name)}
                disabled={update.pending}
                onClick={() => update.run(part.remove(item.id))}
              />
            )}
          </li>
        ))}
      </ul>
      {canWrite && <AddPicker part={part} candidates={candidates} update={update} />}
      <FormError error={update.error} />
    </Section>
  );
}

export function ProjectLinks({ project }: { project: Project }) {
  const canWrite = useCan("write");
  const update = useUpdate(project);
  const [url, setUrl] = useState("");
  const [title, setTitle] = useState("");
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!url.trim()) return;
    update.run({ links: [...project.links, { url: url.trim(), title: title.trim() }] });
    setUrl("");
    setTitle("");
  };
  return (
    <Section id="project-links-h" title="Links" count={project.links.length}>
      {project.links.length === 0 && <p className="empty">No links yet: specs, dashboards, repositories, tickets.</p>}
      <ul className="project-list">
        {project.links.map((link, index) => {
          const href = safeUrl(link.url);
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a link is where it is in the list; the same address may be there twice
            <li key={index}>
              {href ? (
                <a
                  href={href}
                  target="_blank"
                  rel="noopener noreferrer nofollow"
                  className="nav-title"
                  title={link.url}
                >
                  {link.title || link.url}
                </a>
              ) : (
                <span className="nav-title">{link.title || link.url}</span>
              )}
              {canWrite && (
                <RemoveButton
                  label={`Remove link ${link.title || link.url}`}
                  disabled={update.pending}
                  onClick={() => update.run({ links: project.links.filter((_, i) => i !== index) })}
                />
              )}
            </li>
          );
        })}
      </ul>
      {canWrite && (
        <form className="project-add" onSubmit={add} aria-label="Add a link">
          <input
            aria-label="Link address"
            type="url"
            placeholder="https://…"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            maxLength={2048}
          />
          <input
            aria-label="Link title"
            placeholder="Title (optional)"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={MAX_PROJECT_LINK_TITLE}
          />
          <button type="submit" className="small" disabled={update.pending || !url.trim()}>
            Add link
          </button>
        </form>
      )}
      <FormError error={update.error} />
    </Section>
  );
}

export function ProjectThreads({ project }: { project: Project }) {
  const threads = useRoom((s) => s.state.threads);
  const projects = useRoom((s) => s.state.projects);
  const members = useMemo(
    () =>
      project.threadIds
        .map((id) => ({ id, thread: threads.get(id) }))
        .sort((a, b) => (b.thread?.updatedAt ?? 0) - (a.thread?.updatedAt ?? 0)),
    [project.threadIds, threads],
  );
  // Threads one may add: not archived, not in this project; a thread in another project moves here.
  const candidates = useMemo(() => {
    const inProject = new Map<string, string>();
    for (const p of projects.values()) for (const id of p.threadIds) if (p.id !== project.id) inProject.set(id, p.name);
    return [...threads.values()]
      .filter((t) => !t.archived && !project.threadIds.includes(t.id))
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .map((t) => ({ id: t.id, label: inProject.has(t.id) ? `${t.title} (in ${inProject.get(t.id)})` : t.title }));
  }, [threads, projects, project.id, project.threadIds]);
  return (
    <PartList
      project={project}
      part={THREADS}
      count={project.threadIds.length}
      empty={<p className="empty">No threads yet. Add one below; a thread is in one project at most.</p>}
      items={members.map(({ id, thread }) => ({
        id,
        title: thread?.title ?? "A thread not loaded yet",
        meta: thread?.archived ? "archived" : thread?.lastMessageAt ? relativeTime(thread.lastMessageAt) : "empty",
        name: thread?.title ?? id,
      }))}
      candidates={candidates}
    />
  );
}

export function ProjectInstances({ project }: { project: Project }) {
  const instances = useRoom((s) => s.state.instances);
  const attached = project.instanceIds.flatMap((id) => {
    const instance = instances.get(id);
    // A deleted instance is kept by the room only for its id: nothing to show.
    return instance && instance.status !== "stopped"
      ? [{ id, title: instance.name, meta: instance.status, name: instance.name }]
      : [];
  });
  const candidates = [...instances.values()]
    .filter((i) => i.status !== "stopped" && !project.instanceIds.includes(i.id))
    .map((i) => ({ id: i.id, label: i.name }));
  return (
    <PartList
      project={project}
      part={INSTANCES}
      count={attached.length}
      empty={<p className="empty">No OpenClaw instances attached.</p>}
      items={attached}
      candidates={candidates}
    />
  );
}

export function ProjectFiles({ project }: { project: Project }) {
  const workspaceId = useRoom((s) => s.workspaceId);
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const update = useUpdate(project);
  const input = useRef<HTMLInputElement>(null);
  const upload = useAction(async (file: File) => {
    if (!workspaceId || !client) return;
    const refusal = refusalBefore(file);
    if (refusal) throw new Error(refusal);
    const stored = await uploadFile(workspaceId, file);
    await client.projects.update({ projectId: project.id, addFileIds: [stored.id] });
  });
  return (
    <Section id="project-files-h" title="Files" count={project.files.length}>
      {project.files.length === 0 && <p className="empty">No files yet.</p>}
      <ul className="project-list">
        {project.files.map((f) => (
          <li key={f.id}>
            {workspaceId ? (
              <a href={fileUrl(workspaceId, f.id)} download={f.name} className="nav-title">
                {f.name}
              </a>
            ) : (
              <span className="nav-title">{f.name}</span>
            )}
            <span className="nav-meta">{sizeText(f.size)}</span>
            {canWrite && (
              <RemoveButton
                label={`Remove ${f.name} from the project`}
                disabled={update.pending}
                onClick={() => update.run({ removeFileIds: [f.id] })}
              />
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <>
          <input
            ref={input}
            type="file"
            accept={ACCEPT}
            className="sr-only"
            aria-label="File to add to the project"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) upload.run(file);
            }}
          />
          <button type="button" className="link small" onClick={() => input.current?.click()} disabled={upload.pending}>
            {upload.pending ? "Uploading…" : "Add a file…"}
          </button>
        </>
      )}
      <FormError error={update.error ?? upload.error} />
    </Section>
  );
}

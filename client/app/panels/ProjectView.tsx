import { useState, type FormEvent } from "react";
import { MAX_PROJECT_BRIEF, MAX_PROJECT_NAME, type Project } from "../../../shared/protocol/projects";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { Markdown } from "../lib/markdown";
import { MessageBoundary } from "../lib/message-boundary";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { ProjectFiles, ProjectInstances, ProjectLinks, ProjectThreads } from "./ProjectParts";
import { ToolsetSection } from "./toolset/Toolset";
import { ProjectTasks } from "./Tasks";
import { ProjectSchedules } from "./schedules/Schedules";
import { TextField } from "../lib/text-field";

/**
 * A project in the inspector (protocol 9): its name and brief (Markdown, rendered as
 * messages are: hostile text, never HTML), its links, threads, instances and files. People
 * with `write` edit it; an edit is sent with the time of the version it started from, so a
 * brief someone changed meanwhile is not overwritten (the room answers `conflict`).
 */
export function ProjectView({ projectId }: { projectId: string }) {
  const project = useRoom((s) => s.state.projects.get(projectId));
  const canWrite = useCan("write");
  const [editing, setEditing] = useState(false);
  if (!project) return <p className="empty">This project is not in the workspace (any more).</p>;
  return (
    <div className="project-view" data-project-id={project.id}>
      {editing ? (
        <BriefEditor project={project} done={() => setEditing(false)} />
      ) : (
        <>
          <header className="inspector-head">
            <span className="eyebrow">Project{project.archived ? " · archived" : ""}</span>
            <h2>{project.name}</h2>
            <p className="muted small">
              {project.threadIds.length} thread{project.threadIds.length === 1 ? "" : "s"} · started by{" "}
              {project.createdBy.name} · changed {relativeTime(project.updatedAt)}
            </p>
          </header>
          <section className="project-section" aria-labelledby="project-brief-h">
            <div className="project-section-head">
              <h3 id="project-brief-h">Brief</h3>
              {canWrite && (
                <button type="button" className="link small" onClick={() => setEditing(true)}>
                  Edit
                </button>
              )}
            </div>
            {project.brief.trim() ? (
              <div className="project-brief">
                <MessageBoundary text={project.brief}>
                  <Markdown text={project.brief} />
                </MessageBoundary>
              </div>
            ) : (
              <p className="empty">
                No brief yet. {canWrite ? "Edit it to tell" : "A brief tells"} the Autopilot what this project is about:
                it reads it whenever it answers in one of the project's threads.
              </p>
            )}
          </section>
        </>
      )}
      <ProjectTasks projectId={project.id} name={project.name} archived={project.archived} />
      <ProjectSchedules projectId={project.id} name={project.name} archived={project.archived} />
      <ProjectLinks project={project} />
      <ProjectThreads project={project} />
      <ProjectInstances project={project} />
      <ToolsetSection where={{ projectId: project.id }} />
      <ProjectFiles project={project} />
      <ArchiveButton project={project} />
    </div>
  );
}

/** Name and brief together, saved in one update against the version they were loaded from. */
function BriefEditor({ project, done }: { project: Project; done: () => void }) {
  const client = useRoom((s) => s.client);
  const [name, setName] = useState(project.name);
  const [brief, setBrief] = useState(project.brief);
  // The version this edit started from: a newer one in the room is someone else's change.
  const [base] = useState(project.updatedAt);
  const save = useAction(async () => {
    if (!client) return;
    await client.projects.update({
      projectId: project.id,
      ifUpdatedAt: base,
      ...(name.trim() !== project.name && { name: name.trim() }),
      ...(brief !== project.brief && { brief }),
    });
    done();
  });
  const changedMeanwhile = project.updatedAt !== base;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) save.run();
  };
  return (
    <form className="project-editor" onSubmit={submit} aria-label="Edit the project">
      <span className="eyebrow">Project</span>
      <TextField id="project-name" label="Name" value={name} maxLength={MAX_PROJECT_NAME} onChange={setName} required />
      <TextField
        multiline
        id="project-brief"
        label={
          <>
            Brief <span className="muted small">Markdown · the Autopilot reads it in this project's threads</span>
          </>
        }
        value={brief}
        maxLength={MAX_PROJECT_BRIEF}
        rows={16}
        onChange={setBrief}
        placeholder={"## Goal\nWhat this project is for, who it is for, what done looks like.\n\n## Constraints\n…"}
      />
      <p className="hint">
        {brief.length.toLocaleString()} / {MAX_PROJECT_BRIEF.toLocaleString()} characters
      </p>
      {changedMeanwhile && (
        <p className="notice" role="status">
          Someone changed this project while you were editing. Saving will be refused: copy your text, cancel, and edit
          the new version.
        </p>
      )}
      <FormError error={save.error} />
      <div className="button-row">
        <button type="submit" className="primary small" disabled={save.pending || !name.trim()}>
          {save.pending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="small" onClick={done} disabled={save.pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ArchiveButton({ project }: { project: Project }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const archive = useAction(async () => {
    await client?.projects.archive({ projectId: project.id, archived: !project.archived });
  });
  if (!canWrite) return null;
  return (
    <div className="project-footer">
      <button type="button" className="small" onClick={() => archive.run()} disabled={archive.pending}>
        {project.archived ? "Restore project" : "Archive project"}
      </button>
      <p className="hint">
        {project.archived
          ? "Archived: the Autopilot no longer reads its brief. Its threads are kept."
          : "Archiving keeps its threads and files; the Autopilot stops reading the brief."}
      </p>
      <FormError error={archive.error} />
    </div>
  );
}

/** A thread's project, as a line under its title in the thread's view (nothing when it is in none). */
export function ThreadProject({ threadId }: { threadId: string }) {
  const project = useRoom((s) => {
    for (const p of s.state.projects.values()) if (p.threadIds.includes(threadId)) return p;
    return undefined;
  });
  const select = useUi((s) => s.select);
  if (!project) return null;
  return (
    <p className="muted small thread-project">
      In project{" "}
      <button type="button" className="link" onClick={() => select(`project:${project.id}`, { focus: true })}>
        {project.name}
      </button>
      {project.archived ? " (archived)" : ""}
    </p>
  );
}

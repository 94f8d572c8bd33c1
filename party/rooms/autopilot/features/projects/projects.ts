import type { z } from "zod";
import {
  MAX_ACTIVE_PROJECTS,
  MAX_PROJECT_FILES,
  MAX_PROJECT_INSTANCES,
  MAX_PROJECT_THREADS,
  MAX_PROJECTS,
  type Project,
  type ProjectFile,
  type ProjectsArchiveParams,
  type ProjectsCreateParams,
  type ProjectsListParams,
  type ProjectsUpdateParams,
} from "../../../../../shared/protocol/projects";
import { and, eq, inArray, isNull, ne, sql as q } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import { excluded, param, preparedPerRoom, storedElements } from "../../../../domain/db/client";
import { filesTable as files, threadsTable as threads } from "../threads/index";
import { projects } from "./tables";
import { orNotFound, RoomError } from "../../../../domain/errors";
import { countRows, docById, type Page, pageArchivable } from "../../kernel/paging";
import type { Sql } from "../../../../domain/sql";
import { readable } from "../../../../records/codec";
import { projectRecord } from "../../../../records/documents";
import { getInstance } from "../instances/index";

// Projects (shared/protocol/projects.ts): one document per project, with the columns the
// lists filter and order by. A thread belongs to at most one project; which one is read
// from the documents themselves (SQLite's json_each over each project's `threadIds`), so
// there is no second record of membership to keep in step. The Autopilot's agent reads
// the project of the thread it answers in (party/rooms/autopilot/features/agent/run-context.ts).

export function getProject(sql: Sql, id: string): Project | null {
  return docById(sql, projects, id, (doc) => projectRecord.decode(doc));
}

export function requireProject(sql: Sql, id: string): Project {
  return orNotFound(getProject(sql, id), "project", id);
}

function putProject(sql: Sql, project: Project): void {
  sql.db
    .insert(projects)
    .values({
      id: project.id,
      archived: project.archived ? 1 : 0,
      updatedAt: project.updatedAt,
      doc: projectRecord.encode(project),
    })
    .onConflictDoUpdate({
      target: projects.id,
      set: { archived: excluded("archived"), updatedAt: excluded("updated_at"), doc: excluded("doc") },
    })
    .run();
}

/** Where a thread id sits in a project's document: one indexed lookup per project row, done in SQLite. */
const holdsThread = (threadId: string | ReturnType<typeof param>) =>
  q`exists (select 1 from ${storedElements(projects.doc, "$.threadIds")} where value = ${threadId})`;

// Read for every run's instructions (every task step): prepared once per room.
const projectOf = preparedPerRoom((db) =>
  db
    .select({ doc: projects.doc })
    .from(projects)
    .where(and(eq(projects.archived, 0), holdsThread(param("threadId"))))
    .limit(1)
    .prepare(),
);

/** The projects that list `threadId` (at most one, unless a write elsewhere broke the rule). */
function projectsHolding(sql: Sql, threadId: string, except?: string): Project[] {
  const rows = sql.db
    .select({ doc: projects.doc })
    .from(projects)
    .where(and(holdsThread(threadId), except ? ne(projects.id, except) : undefined))
    .all();
  return readable(rows, (r) => projectRecord.decode(r.doc));
}

/** The project a thread belongs to, if it is not archived: what the Autopilot reads when it answers there. */
export function projectOfThread(sql: Sql, threadId: string): Project | null {
  const row = projectOf(sql.db).get({ threadId });
  if (!row) return null;
  return readable([row], (r) => projectRecord.decode(r.doc))[0] ?? null;
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

/** Every id names a thread of this workspace, else `not_found` (the first one missing). */
function requireThreads(sql: Sql, ids: readonly string[]): void {
  if (ids.length === 0) return;
  const known = new Set(
    sql.db
      .select({ id: threads.id })
      .from(threads)
      .where(inArray(threads.id, [...ids]))
      .all()
      .map((r) => r.id),
  );
  const missing = ids.find((id) => !known.has(id));
  if (missing) throw new RoomError("not_found", `no thread ${missing}`, { threadId: missing });
}

/** Every id names an instance that was not deleted (a deleted one is kept as `stopped` only for its id). */
function requireInstances(sql: Sql, ids: readonly string[]): void {
  for (const id of ids) {
    const instance = getInstance(sql, id);
    if (!instance || instance.status === "stopped")
      throw new RoomError("not_found", `no OpenClaw instance ${id}`, { instanceId: id });
  }
}

/** What a file's row says carries it once a project keeps it (see `claimProjectFiles`). */
const projectCarrier = (projectId: string) => `project:${projectId}`;

/**
 * The files `ids` names, as the project lists them. Each must be a file of this workspace
 * that something carries (a message, or a project), or an upload of the caller's that
 * nothing carries yet: the project then carries it, so the retention sweep (which takes
 * files nothing carries) leaves it. Anyone else's loose upload is `not_found`, as for
 * `chat.send`: nobody learns of others' files that way.
 */
function claimProjectFiles(ctx: OpContext, projectId: string, ids: readonly string[]): ProjectFile[] {
  if (ids.length === 0) return [];
  const rows = ctx.sql.db
    .select()
    .from(files)
    .where(inArray(files.id, [...ids]))
    .all();
  const claimed = ids.map((id): ProjectFile => {
    const row = rows.find((r) => r.id === id);
    if (!row || (row.messageId === null && row.uploadedBy !== ctx.principal.id))
      throw new RoomError("not_found", `no file ${id} in this workspace`, { fileId: id });
    return { id: row.id, name: row.name, type: row.type, size: row.size };
  });
  ctx.sql.db
    .update(files)
    .set({ messageId: projectCarrier(projectId) })
    .where(and(inArray(files.id, [...ids]), isNull(files.messageId)))
    .run();
  return claimed;
}

/** `list` with `add` appended (in order, once) and `remove` taken out; over `max` is a `conflict`. */
function edited<T>(
  list: readonly T[],
  idOf: (item: T) => string,
  add: readonly T[],
  remove: readonly string[],
  max: number,
  noun: string,
): T[] {
  const gone = new Set(remove);
  const kept = list.filter((item) => !gone.has(idOf(item)));
  const have = new Set(kept.map(idOf));
  for (const item of add) {
    if (have.has(idOf(item))) continue;
    have.add(idOf(item));
    kept.push(item);
  }
  if (kept.length > max)
    throw new RoomError("conflict", `a project holds at most ${max} ${noun}`, { limit: max, [noun]: kept.length });
  return kept;
}

/** An id both added and removed in one request says two things: refused. */
function refuseBoth(add: readonly string[] | undefined, remove: readonly string[] | undefined, field: string): void {
  const removed = new Set(remove ?? []);
  const both = (add ?? []).find((id) => removed.has(id));
  if (both !== undefined) throw new RoomError("bad_request", `${both} is both added and removed`, { field, id: both });
}

/**
 * Takes the threads out of every other project that holds them (a thread belongs to at
 * most one), each of those projects told with its own `project.changed`.
 */
function takeThreadsFromOthers(ctx: OpContext, projectId: string, threadIds: readonly string[]): void {
  const changed = new Map<string, Project>();
  for (const threadId of threadIds) {
    for (const other of projectsHolding(ctx.sql, threadId, projectId)) {
      const current = changed.get(other.id) ?? other;
      changed.set(other.id, { ...current, threadIds: current.threadIds.filter((id) => id !== threadId) });
    }
  }
  for (const project of changed.values()) {
    const next = { ...project, updatedAt: ctx.now };
    putProject(ctx.sql, next);
    ctx.emit("project.changed", { project: next });
  }
}

export function createProject(ctx: OpContext, params: z.output<typeof ProjectsCreateParams>): { project: Project } {
  if (countRows(ctx.sql, projects, eq(projects.archived, 0)) >= MAX_ACTIVE_PROJECTS)
    throw new RoomError(
      "conflict",
      `this workspace has ${MAX_ACTIVE_PROJECTS} projects that are not archived: archive one first`,
      { limit: MAX_ACTIVE_PROJECTS },
    );
  if (countRows(ctx.sql, projects) >= MAX_PROJECTS)
    throw new RoomError("conflict", `this workspace has ${MAX_PROJECTS} projects, the most it may keep`, {
      limit: MAX_PROJECTS,
    });
  const threadIds = unique(params.threadIds);
  const instanceIds = unique(params.instanceIds);
  requireThreads(ctx.sql, threadIds);
  requireInstances(ctx.sql, instanceIds);
  const id = ctx.newId("prj");
  const project: Project = {
    id,
    name: params.name,
    brief: params.brief,
    links: params.links,
    threadIds,
    instanceIds,
    files: claimProjectFiles(ctx, id, unique(params.fileIds)),
    archived: false,
    createdBy: ctx.actor,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  takeThreadsFromOthers(ctx, id, threadIds);
  putProject(ctx.sql, project);
  ctx.emit("project.changed", { project });
  ctx.audit("project.created", id, { name: project.name, threads: threadIds.length });
  return { project };
}

export function updateProject(ctx: OpContext, params: z.output<typeof ProjectsUpdateParams>): { project: Project } {
  const existing = requireProject(ctx.sql, params.projectId);
  if (params.ifUpdatedAt !== undefined && params.ifUpdatedAt !== existing.updatedAt)
    throw new RoomError("conflict", "the project changed since it was read: read it again", {
      projectId: existing.id,
      updatedAt: existing.updatedAt,
    });
  refuseBoth(params.addThreadIds, params.removeThreadIds, "threads");
  refuseBoth(params.addInstanceIds, params.removeInstanceIds, "instances");
  refuseBoth(params.addFileIds, params.removeFileIds, "files");
  const addThreads = unique(params.addThreadIds ?? []).filter((id) => !existing.threadIds.includes(id));
  const addInstances = unique(params.addInstanceIds ?? []).filter((id) => !existing.instanceIds.includes(id));
  const addFiles = unique(params.addFileIds ?? []).filter((id) => !existing.files.some((f) => f.id === id));
  requireThreads(ctx.sql, addThreads);
  requireInstances(ctx.sql, addInstances);
  const same = (id: string) => id;
  const project: Project = {
    ...existing,
    name: params.name ?? existing.name,
    brief: params.brief ?? existing.brief,
    links: params.links ?? existing.links,
    threadIds: edited(
      existing.threadIds,
      same,
      addThreads,
      params.removeThreadIds ?? [],
      MAX_PROJECT_THREADS,
      "threads",
    ),
    instanceIds: edited(
      existing.instanceIds,
      same,
      addInstances,
      params.removeInstanceIds ?? [],
      MAX_PROJECT_INSTANCES,
      "instances",
    ),
    // The transaction is rolled back on any refusal below: no file stays claimed then.
    files: edited(
      existing.files,
      (f) => f.id,
      claimProjectFiles(ctx, existing.id, addFiles),
      params.removeFileIds ?? [],
      MAX_PROJECT_FILES,
      "files",
    ),
  };
  if (JSON.stringify(project) === JSON.stringify(existing)) return { project: existing };
  project.updatedAt = ctx.now;
  takeThreadsFromOthers(ctx, existing.id, addThreads);
  putProject(ctx.sql, project);
  ctx.emit("project.changed", { project });
  return { project };
}

export function archiveProject(ctx: OpContext, params: z.output<typeof ProjectsArchiveParams>): { project: Project } {
  const existing = requireProject(ctx.sql, params.projectId);
  if (existing.archived === params.archived) return { project: existing };
  if (!params.archived && countRows(ctx.sql, projects, eq(projects.archived, 0)) >= MAX_ACTIVE_PROJECTS)
    throw new RoomError(
      "conflict",
      `this workspace has ${MAX_ACTIVE_PROJECTS} projects that are not archived: archive one first`,
      { limit: MAX_ACTIVE_PROJECTS },
    );
  const project = { ...existing, archived: params.archived, updatedAt: ctx.now };
  putProject(ctx.sql, project);
  ctx.emit("project.changed", { project });
  ctx.audit(params.archived ? "project.archived" : "project.restored", project.id, { name: project.name });
  return { project };
}

/** Most recently updated first, one page from `before` (archived ones only if asked). */
export function pageProjects(
  sql: Sql,
  params: Pick<z.output<typeof ProjectsListParams>, "includeArchived" | "limit" | "before">,
  maxBytes?: number,
): Page<Project> {
  return pageArchivable(sql, projects, params, (doc) => projectRecord.decode(doc), maxBytes);
}

/** How many projects a list of `includeArchived` would hold (the hello's remainder). */
export const countProjects = (sql: Sql, includeArchived: boolean): number =>
  countRows(sql, projects, includeArchived ? undefined : eq(projects.archived, 0));

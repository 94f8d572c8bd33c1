import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { PageCursor, pageParams } from "./paging";
import { Actor } from "./principal";
import { MessageAttachment } from "./threads";

/**
 * Projects (protocol 9): a piece of work the workspace groups threads, instances and files
 * under, with a brief (Markdown context the Autopilot reads when it answers in one of the
 * project's threads) and links. A thread belongs to at most one project: adding it to one
 * takes it out of the project it was in (that project changes too, with its own event).
 */
export const MAX_PROJECT_NAME = 120;
/** Characters of Markdown; the Autopilot reads at most PROJECT_BRIEF_CONTEXT_CHARS of it (party/rooms/autopilot/features/model/model-context.ts). */
export const MAX_PROJECT_BRIEF = 20_000;
export const MAX_PROJECT_LINKS = 50;
export const MAX_PROJECT_LINK_URL = 2048;
export const MAX_PROJECT_LINK_TITLE = 200;
export const MAX_PROJECT_THREADS = 500;
export const MAX_PROJECT_INSTANCES = 50;
export const MAX_PROJECT_FILES = 100;
/** Projects a workspace may have that are not archived. */
export const MAX_ACTIVE_PROJECTS = 200;
/** Projects a workspace may have in all, archived ones included (there is no delete). */
export const MAX_PROJECTS = 2000;
/** A page of `projects.list`, and how many a hello carries at most. */
export const MAX_PROJECTS_PAGE = 200;

export const ProjectName = z.string().trim().min(1).max(MAX_PROJECT_NAME);
export const ProjectBrief = z.string().max(MAX_PROJECT_BRIEF);

/** An absolute http(s) address: the app opens it in a new tab, nothing else (no javascript:, data:, …). */
export const ProjectLinkUrl = z
  .string()
  .trim()
  .max(MAX_PROJECT_LINK_URL)
  .pipe(z.url({ protocol: /^https?$/, hostname: /^\S+$/, error: "an absolute http:// or https:// address" }));

export const ProjectLink = z.object({
  url: ProjectLinkUrl,
  /** Shown in place of the address; empty shows the address. */
  title: z.string().trim().max(MAX_PROJECT_LINK_TITLE).default(""),
});
export type ProjectLink = z.infer<typeof ProjectLink>;

/** A file of the workspace the project lists, as a message's attachment shows it (bytes at `GET /files/<ws>/<id>`). */
export const ProjectFile = MessageAttachment;
export type ProjectFile = z.infer<typeof ProjectFile>;

export const Project = z.object({
  id: EntityId,
  name: ProjectName,
  brief: ProjectBrief,
  links: z.array(ProjectLink).max(MAX_PROJECT_LINKS),
  /** Its threads, in the order they were added. */
  threadIds: z.array(EntityId).max(MAX_PROJECT_THREADS),
  /** OpenClaw instances attached to it (an instance may serve several projects). */
  instanceIds: z.array(EntityId).max(MAX_PROJECT_INSTANCES),
  files: z.array(ProjectFile).max(MAX_PROJECT_FILES),
  archived: z.boolean(),
  createdBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Project = z.infer<typeof Project>;

const ids = (max: number) => z.array(EntityId).max(max);

// --- methods ---------------------------------------------------------------

/**
 * Ids that name nothing in the workspace (a thread, an instance that is not deleted, a
 * file) are refused as `not_found` and nothing changes. `fileIds`: files a message
 * carries, or the caller's own uploads no message carries yet (the project then keeps
 * them from the retention sweep).
 */
export const ProjectsCreateParams = mutatingParams({
  name: ProjectName,
  brief: ProjectBrief.default(""),
  links: z.array(ProjectLink).max(MAX_PROJECT_LINKS).default([]),
  threadIds: ids(MAX_PROJECT_THREADS).default([]),
  instanceIds: ids(MAX_PROJECT_INSTANCES).default([]),
  fileIds: ids(MAX_PROJECT_FILES).default([]),
});

/**
 * What is left out stays as it is. `links` replaces the list; threads, instances and files
 * are added and removed by id (two people adding at once both keep theirs). With
 * `ifUpdatedAt`, the change applies only to the project as of that time (else `conflict`,
 * nothing changed): an editor that loaded the brief then does not overwrite a newer one.
 */
export const ProjectsUpdateParams = mutatingParams({
  projectId: EntityId,
  name: ProjectName.optional(),
  brief: ProjectBrief.optional(),
  links: z.array(ProjectLink).max(MAX_PROJECT_LINKS).optional(),
  addThreadIds: ids(MAX_PROJECT_THREADS).optional(),
  removeThreadIds: ids(MAX_PROJECT_THREADS).optional(),
  addInstanceIds: ids(MAX_PROJECT_INSTANCES).optional(),
  removeInstanceIds: ids(MAX_PROJECT_INSTANCES).optional(),
  addFileIds: ids(MAX_PROJECT_FILES).optional(),
  removeFileIds: ids(MAX_PROJECT_FILES).optional(),
  ifUpdatedAt: Timestamp.optional(),
});

export const ProjectsArchiveParams = mutatingParams({
  projectId: EntityId,
  /** false restores an archived project. */
  archived: z.boolean().default(true),
});

export const ProjectsGetParams = z.object({ projectId: EntityId });
export const ProjectResult = z.object({ project: Project });

/** Most recently updated first; `before` continues after a page's `next`. */
export const ProjectsListParams = pageParams(
  { includeArchived: z.boolean().default(false) },
  { max: MAX_PROJECTS_PAGE, size: MAX_PROJECTS_PAGE },
);
/** `next` is null on the last page. */
export const ProjectsListResult = z.object({ projects: z.array(Project), next: PageCursor.nullable() });

// --- events ----------------------------------------------------------------

/** Any change to a project (created, edited, archived or restored, a thread moved to another): the project as it is now. */
export const ProjectChangedPayload = z.object({ project: Project });

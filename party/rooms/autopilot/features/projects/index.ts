import { archiveProject, countProjects, createProject, pageProjects, requireProject, updateProject } from "./projects";

/** What a hello's snapshot carries of projects not archived (a brief may be long: the rest is one `projects.list` away). */
const SNAPSHOT = { count: 100, bytes: 64 * 1024 } as const;
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import { billing } from "../billing";

// What other features use of this one.
export { projectOfThread, requireProject, updateProject } from "./projects";

/**
 * Projects: threads, instances and files grouped under a brief the Autopilot reads, with
 * links (shared/protocol/projects.ts). A project may have a budget of its own.
 */
export const projects = defineFeature({
  name: "projects",
  needs: [billing],
  build: (s, { billing }) => {
    billing.budgetSubject("project", requireProject);
    return {
      methods: methods({
        "projects.create": mutate(createProject),
        "projects.update": mutate(updateProject),
        "projects.archive": mutate(archiveProject),
        "projects.list": query((sql, p) => paged(pageProjects(sql, p), (projects) => ({ projects }))),
        "projects.get": query((sql, p) => ({ project: requireProject(sql, p.projectId) })),
      }),
      snapshot: () => {
        const page = pageProjects(s.sql, { includeArchived: false, limit: SNAPSHOT.count }, SNAPSHOT.bytes);
        const left = page.next ? Math.max(0, countProjects(s.sql, false) - page.items.length) : 0;
        return { projects: page.items, more: { projects: { left, next: page.next } } };
      },
    };
  },
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { projects as projectsTable } from "./tables";

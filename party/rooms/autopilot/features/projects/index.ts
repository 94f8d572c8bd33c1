import { archiveProject, createProject, pageProjects, requireProject, updateProject } from "./projects";
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";

/**
 * Projects: threads, instances and files grouped under a brief the Autopilot reads, with
 * links (shared/protocol/projects.ts). The data lives in domain/projects.ts because the
 * Autopilot's agent reads a thread's project from there when it answers.
 */
export const projects = defineFeature({
  name: "projects",
  build: () => ({
    methods: methods({
      "projects.create": mutate(createProject),
      "projects.update": mutate(updateProject),
      "projects.archive": mutate(archiveProject),
      "projects.list": query((sql, p) => paged(pageProjects(sql, p), (projects) => ({ projects }))),
      "projects.get": query((sql, p) => ({ project: requireProject(sql, p.projectId) })),
    }),
  }),
});

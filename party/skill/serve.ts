import skill from "./SKILL.md";
import type { WorkerRoute } from "../worker-route";

/** Where agents find the product's skill document (wrangler.toml's run_worker_first names it too). */
export const SKILL_PATH = "/SKILL.md";

/**
 * `/SKILL.md`: the canonical document for agents (party/skill/SKILL.md), with this server's
 * own origin in every URL and command, so an agent can follow it as written.
 */
export function serveSkill(request: Request): Response {
  const origin = new URL(request.url).origin;
  const text = skill.replaceAll("{{origin}}", origin).replaceAll("{{ws}}", origin.replace(/^http/, "ws"));
  return new Response(request.method === "HEAD" ? null : text, {
    headers: {
      "content-type": "text/markdown; charset=utf-8",
      "access-control-allow-origin": "*",
      "cache-control": "public, max-age=300",
    },
  });
}

/** The agents' skill file. */
export const skillRoute: WorkerRoute = {
  name: "skill",
  matches: (pathname) => pathname === SKILL_PATH,
  handle: (request) => serveSkill(request),
};

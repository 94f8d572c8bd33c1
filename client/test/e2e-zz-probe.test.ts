import { it } from "vitest";
import { personClient, signUpVerified, httpJson, withServer, withScriptedModel, modelVars } from "./e2e-helpers";
import { agentScript } from "../../runtime/test/scripted-model";
import { withOtlpCollector } from "./tasks-runs-view";
import { moveServerClock } from "./runs-week";

const model = withScriptedModel({ reply: agentScript });
const collector = withOtlpCollector();
const server = withServer(() => ({ vars: { ...modelVars(model), ...collector.vars(), DEV_TEST_CLOCK: "1" } }));
it("moves", async () => {
  const a = await signUpVerified(server.url, "Probe");
  const ws = (await httpJson<{ workspaces: { id: string }[] }>(server.url, "/api/me", { cookie: a.cookie })).body.workspaces[0]!.id;
  const c = personClient(server.url, a.cookie, ws, "probe");
  await c.ready();
  const DAY = 86400_000;
  const { thread } = await c.threads.create({ title: "now" });
  await c.chat.send({ threadId: thread.id, text: "SAY: hi now" });
  await new Promise((r) => setTimeout(r, 3000));
  await moveServerClock(server.url, -6 * DAY);
  const { thread: t2 } = await c.threads.create({ title: "past" });
  await c.chat.send({ threadId: t2.id, text: "@autopilot hi SAY: hi" });
  await c.chat.send({ threadId: thread.id, text: "@autopilot hi FAIL500" });
  await c.request("tasks.start", { goal: "digest STEPS: threads_list {} ; memory_list {}", threadId: t2.id });
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    const s = await c.runs.stats({ limit: 10, days: 7 });
    console.log(i, collector.spans(), JSON.stringify(s.runs.map((r) => [r.kind, r.outcome, new Date(r.startedAt).toISOString(), r.traceId?.slice(0, 6)])));
  }
  await moveServerClock(server.url, 0);
  c.close();
}, 200000);

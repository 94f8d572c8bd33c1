// vitest globalSetup of the "agent" workerd project (runs in Node): the scripted stand-in for
// Slack's Web API the e2e tests use (client/test/slack-standin.ts), so a room's bound channels
// talk to it over loopback as they would to Slack. Slack's Web API is an external service:
// only it is scripted. A second loopback server lets the tests inside workerd read back every
// call the stand-in received (GET /calls), to check what reached a channel, and take Slack down
// and up again (POST /down?on=1|0).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { SlackStandIn } from "../../../client/test/slack-standin";
import { SLACK_APP } from "./slack-app";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const slack = new SlackStandIn();
  slack.addApp(SLACK_APP.token, {
    team: SLACK_APP.team,
    teamName: "Standin",
    botUser: "U0BOT",
    botName: "standin-autopilot",
    signingSecret: SLACK_APP.signingSecret,
  });
  await slack.start();
  const calls = createServer((req, res) => {
    // POST /down?on=1 (or 0): Slack refuses every call for now (an outage), as the e2e tests' `slack.down`.
    const down = /^\/down\?on=([01])$/.exec(req.url ?? "");
    if (req.method === "POST" && down) slack.down = down[1] === "1";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(req.url === "/calls" ? slack.calls : { down: slack.down }));
  });
  await new Promise<void>((resolve) => calls.listen(0, "127.0.0.1", resolve));
  project.provide("slackUrl", slack.url);
  project.provide("slackCallsUrl", `http://127.0.0.1:${(calls.address() as AddressInfo).port}`);
  return async () => {
    await new Promise<void>((resolve) => calls.close(() => resolve()));
    await slack.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    slackUrl: string;
    slackCallsUrl: string;
  }
}

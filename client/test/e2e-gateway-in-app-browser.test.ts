// A hosted OpenClaw instance driven from the browser app, on one stack: the real server
// (wrangler dev), the real runtime hosting real gateways, and the scripted model (the only
// test double: a paid external API), with one browser. Each part signs up its own people in
// a workspace of its own and provisions its own instance there; sharing the stack saves a
// server, a runtime and a browser start per part (a run is bound by its CPU).
// - gateway-in-app/chat-start.ts: from a first message to a running chat, with one consent;
// - gateway-in-app/lifecycle.ts: provision, details, back up, restart, restore and delete;
// - gateway-in-app/sessions-canvas.ts: the gateway's sessions on the canvas.
import { markerScript } from "../../runtime/test/scripted-model";
import { withBrowser } from "./browser-helpers";
import { chatStartInApp } from "./gateway-in-app/chat-start";
import { lifecycleInApp } from "./gateway-in-app/lifecycle";
import { sessionsOnCanvas } from "./gateway-in-app/sessions-canvas";
import { withOpenClawStack } from "./openclaw-stack";

const stack = withOpenClawStack("in-app", { reply: markerScript });
const browser = withBrowser();

chatStartInApp(stack, browser);
lifecycleInApp(stack, browser);
sessionsOnCanvas(stack, browser);

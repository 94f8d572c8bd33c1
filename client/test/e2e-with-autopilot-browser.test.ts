// An OpenClaw instance beside the Autopilot, from the browser app, on one stack: the real
// server (wrangler dev) with the Autopilot's model, the real runtime hosting real gateways,
// and the scripted model (the only test double: a paid external API) answering both the
// Autopilot and the gateways, with one browser. Each part signs up its own people in a
// workspace of its own and provisions its own instance there; sharing the stack saves a
// server, a runtime and a browser start (a run is bound by its CPU).
// - with-autopilot/device-setup.ts: adding a device (a real node) to an instance;
// - with-autopilot/toolset.ts: the Autopilot's tools here, and config by chat in an OpenClaw thread.
import { withBrowser } from "./browser-helpers";
import { autopilotOrGateway, modelVars } from "./e2e-helpers";
import { withOpenClawStack } from "./openclaw-stack";
import { deviceSetupInApp } from "./with-autopilot/device-setup";
import { toolsetInApp } from "./with-autopilot/toolset";

const stack = withOpenClawStack("with-autopilot", { vars: (model) => modelVars(model), reply: autopilotOrGateway });
const browser = withBrowser();

deviceSetupInApp(stack, browser);
toolsetInApp(stack, browser);

import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { gatewayBridge } from "../gateway-bridge";
import {
  requestConfigureSkill,
  requestInstallSkill,
  requestRemoveSkill,
  requestUploadSkill,
  sealPlainSkillChanges,
  skillSecrets,
} from "./requests";
import { instanceSkills, searchSkills } from "./status";

// What the instances' operations use of the skills: a decided change runs, a deleted instance drops its requests.
export { settleSkillApproval } from "./operations";
export { dropSkillRequests } from "./requests";

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { skillRequests as skillRequestsTable } from "./tables";

/**
 * An instance's skills (what its agent knows how to do, as OpenClaw runs them), read and
 * changed through its gateway's own methods (decision 70): a change is filed as an approval
 * holding no file and no key, and runs once approved (the instances feature settles it:
 * features/instances/host.ts).
 */
export const gatewaySkills = defineFeature({
  name: "gatewaySkills",
  needs: [gatewayBridge],
  build: (s, { gatewayBridge: { bridges } }) => {
    // A configure's key and env values at rest (requests.ts).
    const secrets = () => skillSecrets(s.env.BETTER_AUTH_SECRET, s.workspaceId());
    return {
      methods: methods({
        "instances.skills": local((_req, params) =>
          instanceSkills({ sql: s.sql, bridge: bridges.get(params.instanceId) }, params.instanceId),
        ),
        "instances.uploadSkill": mutate(requestUploadSkill),
        "instances.configureSkill": mutate((ctx, params, req) => requestConfigureSkill(ctx, params, secrets(), req)),
        "instances.removeSkill": mutate(requestRemoveSkill),
        "instances.installSkill": mutate(requestInstallSkill),
        "instances.searchSkills": local((_req, params) =>
          searchSkills({ sql: s.sql, bridge: bridges.get(params.instanceId) }, params),
        ),
      }),
      // Requests filed before changes were sealed are sealed before any is settled.
      start: () => sealPlainSkillChanges(s.sql, secrets()),
    };
  },
});

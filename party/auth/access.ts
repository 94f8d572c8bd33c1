import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements, memberAc, ownerAc } from "better-auth/plugins/organization/access";

/**
 * better-auth organization roles. The api-key plugin checks `apiKey` permissions on the
 * member's role for organization-owned keys, so owners and admins get them; `viewer` is
 * ours (read-only collaborators).
 */
const statements = {
  ...defaultStatements,
  apiKey: ["create", "read", "update", "delete"],
} as const;

export const ac = createAccessControl(statements);

const allApiKey = { apiKey: ["create", "read", "update", "delete"] } as const;

export const roles = {
  owner: ac.newRole({ ...ownerAc.statements, ...allApiKey }),
  admin: ac.newRole({ ...adminAc.statements, ...allApiKey }),
  member: ac.newRole({ ...memberAc.statements }),
  viewer: ac.newRole({ organization: [], member: [], invitation: [], team: [], ac: ["read"] }),
};

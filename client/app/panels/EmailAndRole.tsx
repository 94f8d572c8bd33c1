import { useState } from "react";
import type { Role } from "../../../shared/protocol/principal";
import type { WorkspaceInfo } from "../lib/api";
import { Options } from "../lib/options";

const ROLES: Role[] = ["member", "viewer", "admin", "owner"];

/** The address and role a form for someone by e-mail is filling in. */
export function useEmailAndRole() {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  return { email, setEmail, role, setRole };
}

/** What the fields are called: their ids' stem, their labels and an example address. */
export interface EmailAndRoleWords {
  id: string;
  email: string;
  role: string;
  example: string;
}

/**
 * Someone's e-mail address and the role to give them, as adding a member and inviting one
 * both ask; only an owner of the workspace is offered `owner`. Labelled for screen readers.
 */
export function EmailAndRole({
  person,
  words,
  workspace,
}: {
  person: ReturnType<typeof useEmailAndRole>;
  words: EmailAndRoleWords;
  workspace: WorkspaceInfo;
}) {
  return (
    <>
      <label className="sr-only" htmlFor={`${words.id}-email`}>
        {words.email}
      </label>
      <input
        id={`${words.id}-email`}
        type="email"
        required
        placeholder={words.example}
        value={person.email}
        onChange={(e) => person.setEmail(e.target.value)}
      />
      <label className="sr-only" htmlFor={`${words.id}-role`}>
        {words.role}
      </label>
      <select id={`${words.id}-role`} value={person.role} onChange={(e) => person.setRole(e.target.value as Role)}>
        <Options items={ROLES.filter((r) => r !== "owner" || workspace.role === "owner")} />
      </select>
    </>
  );
}

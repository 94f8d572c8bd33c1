import type { Principal } from "../../shared/protocol/principal";

/** Who opens a socket (or asks for a ticket), or why not: 401 no valid credentials, 403 not allowed here. */
export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; reason: string };

/**
 * An agent's own account (agent-signup.ts) has an address under a domain nobody can receive
 * mail at: what tells it from a person's account where only the address is at hand (seats,
 * the members list).
 */
export const AGENT_ACCOUNT_DOMAIN = "agents.invalid";

export const isAgentAccountEmail = (email: string): boolean => email.toLowerCase().endsWith(`@${AGENT_ACCOUNT_DOMAIN}`);

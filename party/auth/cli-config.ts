// Used only by `npm run db:generate` (the better-auth CLI reads it to emit migration SQL).
import { DatabaseSync } from "node:sqlite";
import { betterAuth } from "better-auth";
import { authPlugins, baseAuthOptions } from "./options";

export const auth = betterAuth({
  ...baseAuthOptions,
  database: new DatabaseSync(":memory:"),
  plugins: authPlugins(),
});

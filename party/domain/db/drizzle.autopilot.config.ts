import { defineConfig } from "drizzle-kit";

// `npm run db:generate:rooms`: the Autopilot room's migrations from its schema module.
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./party/rooms/autopilot/schema.ts",
  out: "./party/domain/db/migrations/autopilot",
});

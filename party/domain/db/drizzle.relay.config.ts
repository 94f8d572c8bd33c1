import { defineConfig } from "drizzle-kit";

// `npm run db:generate:rooms`: a Nostr community's migrations (party/rooms/relay/) from its schema module.
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./party/domain/db/relay-schema.ts",
  out: "./party/domain/db/migrations/relay",
});

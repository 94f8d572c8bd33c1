import { listAudit } from "../../kernel/commit";
import { pagePresence } from "../../kernel/connections/presence";
import { searchRoom } from "./search";
import { updateSettings } from "../../kernel/settings";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, query } from "../../kernel/handlers";

/** What the workspace keeps about itself: its settings, the audit log, search over all of it. */
export const workspace = defineFeature({
  name: "workspace",
  build: () => ({
    methods: methods({
      "settings.update": mutate(updateSettings),
      "audit.list": query((sql, p) => listAudit(sql, p.before, p.limit)),
      "search.query": query(searchRoom),
    }),
  }),
});

/** Who is here now, and what each socket gets of the threads: answered from the room's sockets. */
export const live = defineFeature({
  name: "live",
  build: (s) => ({
    methods: methods({
      "presence.list": local((_req, p) => {
        const page = pagePresence(s.clients.presence(), p.after, p.limit);
        return { presence: page.entries, next: page.next };
      }),
      "presence.update": local((req, p) => ({ entry: req.setStatus(p.status) })),
      // Protocol 18: what the requesting socket gets of each thread (kernel/connections/interest.ts).
      "threads.view": local((req, p) => req.view(p.threads)),
    }),
  }),
});

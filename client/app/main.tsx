import "@xyflow/react/dist/style.css";
import "./styles.css";
import "./autopilot.css";
import "./accounts.css";
import "./access.css";
import "./instances.css";
import "./chat-start.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

// Timing marks for `npm run bench:graph`, which reads them to say what the time to the
// first canvas paint is made of (app:boot, app:session, canvas:open|synced|nodes).
performance.mark("app:boot");
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

import "@xyflow/react/dist/style.css";
import "./styles.css";
import "./autopilot.css";
import "./accounts.css";
import "./access.css";
import "./instances.css";
import "./chat-start.css";
import "./chat.css";
import "./palette/palette.css";
import "./canvas/activity.css";
import "./together.css";
import "./projects.css";
import "./tasks.css";
import "./schedules.css";
import "./reminders.css";
// Last: the shell's layout, the phone's included, has the final word on where things go.
import "./shell/layout.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { registerServiceWorker } from "./inbox/push";
import { useTheme } from "./stores/theme";

// Before the first render, so the first paint already has the right palette.
useTheme.getState();
registerServiceWorker();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

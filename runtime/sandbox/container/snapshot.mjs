// Runs inside the sandbox container (copied into the image by the Dockerfile):
//   node /opt/autopilot/snapshot.mjs <instance dir> <archive.tar.gz>
import { snapshotInstance } from "./instance-snapshot.mjs";

const [instanceDir, archive] = process.argv.slice(2);
if (!instanceDir || !archive) {
  console.error("usage: snapshot.mjs <instance dir> <archive.tar.gz>");
  process.exit(2);
}
await snapshotInstance(instanceDir, archive);

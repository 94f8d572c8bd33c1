// Bench only (`npm run bench`'s graph rows): a plain y-websocket-protocol server in a Node
// process of its own, so that its CPU time is its own: the sync protocol and nothing else
// (no auth, no storage), serving the same graph the bench uploads to the Hatchery.
// Run as `node y-floor.mjs <nodes> <edges>` with stdin a pipe (it exits when stdin ends):
// it prints `listening <port>`.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebSocketServer } from "ws";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { buildGraph } from "../graph-doc.mjs";

const doc = new Y.Doc();
buildGraph(doc, Number(process.argv[2]), Number(process.argv[3]));
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (socket) => {
  const step1 = encoding.createEncoder();
  encoding.writeVarUint(step1, 0);
  syncProtocol.writeSyncStep1(step1, doc);
  socket.send(encoding.toUint8Array(step1));
  socket.on("message", (data) => {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(decoder) !== 0) return;
    const reply = encoding.createEncoder();
    encoding.writeVarUint(reply, 0);
    syncProtocol.readSyncMessage(decoder, reply, doc, socket);
    if (encoding.length(reply) > 1) socket.send(encoding.toUint8Array(reply));
  });
});
server.on("listening", () => console.log(`listening ${server.address().port}`));
process.stdin.resume().on("end", () => process.exit(0));

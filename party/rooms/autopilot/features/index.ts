/** The Autopilot room's features (list.ts) and how they are built on the kernel (install.ts). */
export { installFeatures, ROOM_SCHEDULES, type RoomFeatureSet, type RoomRpc } from "./install";
export { type RoomParts, roomFeatures } from "./list";

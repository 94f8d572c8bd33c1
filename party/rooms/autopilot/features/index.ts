/** The Autopilot room's features (list.ts), each built on the kernel by itself (kernel/features.ts). */
export { ROOM_FEATURES, type RoomRpc } from "./list";

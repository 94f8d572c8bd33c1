// The stand-in OpenTelemetry collector this feature's tests export to: the one the runtime's
// model pass-through tests share (OTLP/HTTP JSON and protobuf), kept in runtime/test/otlp-standin.ts.
export { OtlpReceiver, type Received, type ReceivedSpan } from "../../../../../runtime/test/otlp-standin";

import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import type { OtlpEncoding } from './decode.js';
import type { OtlpSignal } from './model.js';

interface ResponseType {
  fromObject(o: object): unknown;
  encode(m: unknown): { finish(): Uint8Array };
}
interface ResponseRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceResponse: ResponseType } };
        logs: { v1: { ExportLogsServiceResponse: ResponseType } };
      };
    };
  };
}
const collector = (otlpRoot as unknown as ResponseRoot).opentelemetry.proto.collector;

/**
 * The OTLP success answer (ExportTraceServiceResponse / ExportLogsServiceResponse) in the
 * request's encoding: empty when everything was accepted, `partialSuccess` with the rejected count
 * and why otherwise (the exporter logs it and does not retry).
 */
export function exportResponse(signal: OtlpSignal, encoding: OtlpEncoding, rejected: number, why: string): Buffer | string {
  const countKey = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  const body = rejected > 0 ? { partialSuccess: { [countKey]: rejected, errorMessage: why } } : {};
  if (encoding === 'json') return JSON.stringify(body);
  const type = signal === 'traces' ? collector.trace.v1.ExportTraceServiceResponse : collector.logs.v1.ExportLogsServiceResponse;
  return Buffer.from(type.encode(type.fromObject(body)).finish());
}

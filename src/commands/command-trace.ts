/** Ties a command's events back to what caused them: the HTTP request, or the event and job that reacted to it. */
export interface CommandTrace {
  readonly correlationId: string;
  readonly requestId?: string;
  readonly causationId?: string;
  readonly jobId?: string;
  /** W3C trace context of the span the command ran in (tracing on only). */
  readonly traceparent?: string;
}

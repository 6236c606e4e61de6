/**
 * Events as the domain sees them. Types are stable strings (`plan.submitted`), never class
 * names, so renaming code never changes history.
 */
export interface EventMetadata {
  actorId: string;
  actorName?: string;
  entity: string | null;
  rationale?: string;
  /** The plan revision a decision was taken on. */
  revision?: number;
  commandId?: string;
  correlationId?: string;
  causationId?: string;
  /** `definitionId@version` the stream follows. */
  workflow?: string;
}

/** What a decider returns: the handler adds stream, version, metadata and time. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  type: TType;
  data: TData;
  /** Decision rationale, recorded in the event's metadata. */
  rationale?: string;
  /** Revision the decision names, recorded in the event's metadata. */
  revision?: number;
}

/** An event as stored: what `evolve` folds. */
export interface RecordedEvent<TType extends string = string, TData = unknown> {
  streamId: string;
  version: number;
  type: TType;
  data: TData;
  metadata: EventMetadata;
  recordedAt: string;
}

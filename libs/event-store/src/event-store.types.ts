import { EventMetadata } from '@govflow/domain';

/** An event ready to append: the handler has added metadata and the time. */
export interface EventToAppend {
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: string;
}

export interface StoredEvent {
  position: string;
  streamId: string;
  version: number;
  type: string;
  data: any;
  metadata: EventMetadata;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

export interface AppendRequest {
  streamId: string;
  /** `plan`, `task`, `entity` ...: the part of the id before the first dash. */
  streamType: string;
  /** 0 for a new stream. */
  expectedVersion: number;
  /** The stream's head hash at `expectedVersion` (lowercase hex); omitted for a new stream. */
  expectedHead?: string;
  events: EventToAppend[];
}

export interface AppendResult {
  streamId: string;
  version: number;
  head: string;
  events: StoredEvent[];
}

/** A position in the global order that never skips late commits. */
export interface GlobalCheckpoint {
  transactionId: string;
  position: string;
}

export const START_OF_TIME: GlobalCheckpoint = { transactionId: '0', position: '0' };

/** A signed checkpoint and what it signs, shared by the signer, the server's verifier and the offline one. */

export const SIGNING_KEY = Symbol('SIGNING_KEY');

/** What is signed: canonical JSON of these fields. */
export interface CheckpointPayload {
  merkleRoot: string;
  streams: number;
  events: number;
  lastPosition: string;
  createdAt: string;
}

export interface Checkpoint extends CheckpointPayload {
  id: string;
  keyId: string;
  /** Ed25519 over canonical_json(payload), base64. */
  signature: string;
}

export const toCheckpoint = (r: any): Checkpoint => ({
  id: String(r.id),
  merkleRoot: r.merkle_root,
  streams: r.streams,
  events: Number(r.events),
  lastPosition: String(r.last_position),
  createdAt: r.created_at.toISOString(),
  keyId: r.key_id,
  signature: r.signature,
});

export const checkpointPayload = (c: CheckpointPayload): CheckpointPayload => ({
  merkleRoot: c.merkleRoot,
  streams: c.streams,
  events: c.events,
  lastPosition: c.lastPosition,
  createdAt: c.createdAt,
});

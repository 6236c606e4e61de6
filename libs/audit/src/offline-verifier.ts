import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { canonicalJson } from '@govflow/domain';
import { GENESIS_HASH_HEX, chainHash } from '@govflow/event-store';
import { checkpointPayload } from './checkpoint.service';
import { StreamHead, merkleRoot } from './merkle';

export interface OfflineFailure {
  line: number;
  streamId?: string;
  version?: number;
  reason: string;
}

export interface OfflineReport {
  ok: boolean;
  events: number;
  streams: number;
  checkpoints: number;
  failures: OfflineFailure[];
}

/**
 * Verifies an audit export with nothing but the file and the public key: every event's hash
 * recomputed; links between consecutive versions; each checkpoint's signature, its Merkle root
 * recomputed from the heads it lists, and those heads present in the export. Reads line by
 * line: memory grows with the number of streams, not events.
 */
export async function verifyExportFile(file: string, publicKeyPem: string): Promise<OfflineReport> {
  const key = createPublicKey(publicKeyPem);
  const last = new Map<string, { version: number; hash: string }>();
  const seen = new Map<string, Map<number, string>>();
  const failures: OfflineFailure[] = [];
  let events = 0;
  let checkpoints = 0;
  let line = 0;
  let whole = false;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    let record: any;
    try {
      record = JSON.parse(text);
    } catch {
      failures.push({ line, reason: 'not valid JSON' });
      continue;
    }
    if (record.kind === 'export') {
      whole = record.from === null && record.to === null;
    } else if (record.kind === 'event') {
      events++;
      const { streamId, version } = record;
      if (chainHash(record.prevHash, record) !== record.hash) failures.push({ line, streamId, version, reason: 'altered content' });
      const previous = last.get(streamId);
      if (previous && version !== previous.version + 1) failures.push({ line, streamId, version, reason: `missing version ${previous.version + 1}` });
      else if (previous && record.prevHash !== previous.hash) failures.push({ line, streamId, version, reason: 'broken link' });
      else if (!previous && version === 1 && record.prevHash !== GENESIS_HASH_HEX) failures.push({ line, streamId, version, reason: 'broken link' });
      last.set(streamId, { version, hash: record.hash });
      if (!seen.has(streamId)) seen.set(streamId, new Map());
      seen.get(streamId)!.set(version, record.hash);
    } else if (record.kind === 'checkpoint') {
      checkpoints++;
      const payload = Buffer.from(canonicalJson(checkpointPayload(record)), 'utf8');
      if (!verifySignature(null, payload, key, Buffer.from(String(record.signature), 'base64'))) {
        failures.push({ line, reason: `checkpoint ${record.id}: signature does not verify` });
        continue;
      }
      const heads = (record.heads ?? []) as StreamHead[];
      if (merkleRoot(heads) !== record.merkleRoot) failures.push({ line, reason: `checkpoint ${record.id}: heads do not match the signed Merkle root` });
      for (const head of heads) {
        const hash = seen.get(head.streamId)?.get(head.version);
        if (hash !== undefined && hash !== head.hash) failures.push({ line, streamId: head.streamId, version: head.version, reason: `checkpoint ${record.id}: signed a different hash` });
        if (hash === undefined && (whole || seen.has(head.streamId))) {
          failures.push({ line, streamId: head.streamId, version: head.version, reason: `checkpoint ${record.id}: signed version is missing` });
        }
      }
    } else {
      failures.push({ line, reason: `unknown record kind ${String(record.kind)}` });
    }
  }
  return { ok: failures.length === 0, events, streams: last.size, checkpoints, failures };
}

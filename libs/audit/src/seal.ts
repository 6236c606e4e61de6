import { createHash } from 'node:crypto';

/** The export's format; version 2 ends with a seal. */
export const EXPORT_FORMAT = 'govflow-export/2';

/**
 * What an export's last line signs: its range, when it was made, how many lines come before
 * the seal and the SHA-256 of those lines (each as written, with its line feed). Signed with
 * the checkpoints' key over canonical JSON; `kind` keeps a seal's signature from ever passing
 * for a checkpoint's.
 */
export interface SealPayload {
  kind: 'seal';
  format: string;
  from: string | null;
  to: string | null;
  exportedAt: string;
  lines: number;
  digest: string;
  /** The signing key's id, signed too: a seal names the key it was made with. */
  keyId: string;
}

export const sealPayload = (s: SealPayload): SealPayload => ({
  kind: 'seal',
  format: s.format,
  from: s.from,
  to: s.to,
  exportedAt: s.exportedAt,
  lines: s.lines,
  digest: s.digest,
  keyId: s.keyId,
});

/** The running digest of an export's lines, the same on the server and in the verifier. */
export class ExportDigest {
  private readonly hash = createHash('sha256');
  lines = 0;

  /** One line, without its line feed. */
  add(line: string): void {
    this.hash.update(line, 'utf8').update('\n');
    this.lines++;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

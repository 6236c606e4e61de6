import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * GOVFLOW_ADMIN_TOKEN when set; otherwise a token generated on first start and kept in
 * `<dataDir>/admin-token` (readable by its owner only), so restarts keep it.
 */
export function resolveAdminToken(configured: string | undefined, dataDir: string): { token: string; source: 'env' | 'file' | 'generated' } {
  if (configured) return { token: configured, source: 'env' };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const token = `gf_admin_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: 'generated' };
}

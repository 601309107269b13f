import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config';
import type { ApiKeyService } from '../domain/api-key/api-key.service';

/**
 * The key printed at start: HARMONY_ADMIN_KEY when set; in demo mode a key generated once and
 * kept under the data directory; otherwise none (create keys with `npm run keys`).
 */
export async function ensureAdminKey(
  config: Config,
  apiKeys: ApiKeyService,
  demoMode: boolean,
): Promise<string | undefined> {
  if (config.adminKey) {
    await apiKeys.ensureKey('HARMONY_ADMIN_KEY', config.adminKey, ['admin']);
    return config.adminKey;
  }
  if (!demoMode) return undefined;
  const keyFile = path.join(config.dataDir, 'admin-key');
  let key = fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : '';
  if (!key) {
    key = 'hmy_demo_' + crypto.randomBytes(24).toString('base64url');
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(keyFile, key + '\n', { mode: 0o600 });
  }
  await apiKeys.ensureKey('demo admin', key, ['admin']);
  return key;
}

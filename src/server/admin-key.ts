import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config';
import type { ApiKeyService } from '../domain/api-key/api-key.service';

/**
 * The admin key a start provides: the configured HARMONY_ADMIN_KEY (never shown: it is a
 * secret someone chose and may reuse), or in demo mode a generated one that may be printed.
 */
export type StartAdminKey = { source: 'HARMONY_ADMIN_KEY' } | { source: 'demo'; key: string };

/**
 * HARMONY_ADMIN_KEY when set (the only active key of that name: a replaced one is revoked); in
 * demo mode a key generated once and kept under the data directory; otherwise none (create keys
 * with `npm run keys`).
 */
export async function ensureAdminKey(
  config: Config,
  apiKeys: ApiKeyService,
  demoMode: boolean,
): Promise<StartAdminKey | undefined> {
  if (config.adminKey) {
    await apiKeys.ensureKey('HARMONY_ADMIN_KEY', config.adminKey, ['admin']);
    return { source: 'HARMONY_ADMIN_KEY' };
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
  return { source: 'demo', key };
}

/** What `npm start` prints once ready: the URL, and how to authenticate a first request. */
export function welcomeText(url: string, adminKey: StartAdminKey | undefined): string {
  const lines = [
    ``,
    `  Harmony GraphQL: ${url}`,
    `  Console:         ${url.replace(/\/graphql$/, '/console/')}`,
  ];
  if (adminKey) {
    // A configured key stays in the environment: the curl reads it from there.
    const shown = adminKey.source === 'demo' ? adminKey.key : 'from HARMONY_ADMIN_KEY';
    const bearer = adminKey.source === 'demo' ? adminKey.key : '$HARMONY_ADMIN_KEY';
    lines.push(
      `  Admin key:       ${shown}`,
      ``,
      `  Try it:`,
      `  curl -s ${url} \\`,
      `    -H "Authorization: Bearer ${bearer}" -H 'Content-Type: application/json' \\`,
      `    -d '{"query":"{ accounts(first: 5) { edges { node { name domain plan { code } mrr } } } }"}'`,
    );
  } else {
    lines.push(`  Create an API key: npm run keys -- create --name me --scopes read,sync`);
  }
  return lines.join('\n') + '\n\n';
}

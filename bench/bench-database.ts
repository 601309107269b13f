import { Client } from 'pg';

/** The same server URL with another database name (benchmarks create one of their own). */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Runs `work` on a short-lived connection to the admin database (CREATE / DROP DATABASE). */
export async function withAdmin<T>(
  adminUrl: string,
  work: (admin: Client) => Promise<T>,
): Promise<T> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

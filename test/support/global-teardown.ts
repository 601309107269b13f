import { Client } from 'pg';
import { adminUrl } from './urls';

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${process.env.HARMONY_TEST_TEMPLATE} WITH (FORCE)`);
  await admin.end();
}

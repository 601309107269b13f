import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';

/**
 * A test database for this file, plus a second plain connection to it that the tests use to
 * hold locks the code under test must wait for or give up on.
 */
export function useDatabaseWithLockHolder(): { db: TestDatabase; holder: Client } {
  const state = {} as { db: TestDatabase; holder: Client };
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.holder = new Client({ connectionString: state.db.url });
    await state.holder.connect();
  });
  afterAll(async () => {
    await state.holder.end();
    await state.db.drop();
  });
  return state;
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Listings showed the first 12 characters of a key, 8 of them secret; new keys keep 8 (the `hmy_`
 * tag and 4 more). Existing prefixes are cut to match, so no listing shows more of an old key.
 * Down keeps the short prefixes: the cut characters are gone, and 8 work with the old code too.
 */
export class ShortApiKeyPrefixes1764000008310 implements MigrationInterface {
  name = 'ShortApiKeyPrefixes1764000008310';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE api_keys SET prefix = left(prefix, 8) WHERE length(prefix) > 8`,
    );
  }

  public async down(): Promise<void> {}
}

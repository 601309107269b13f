import type { NonEmptyArray } from 'type-graphql';
import { AccountResolver } from '../../domain/account/account.resolver';

/** Every resolver class the schema is built from. */
export const resolvers: NonEmptyArray<Function> = [AccountResolver];

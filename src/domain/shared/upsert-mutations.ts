import { Arg, Authorized, Ctx, Mutation, Resolver, type ClassType } from 'type-graphql';
import type { RequestContext } from '../../context/request-context';
import type { Services } from '../../context/services';

type UpsertService<TInput, TNode> = { upsertMany(inputs: TInput[]): Promise<TNode[]> };

/**
 * The `upsert<Name>(input)` and `upsert<Names>(inputs)` mutations every domain entity has, both
 * served by its service's `upsertMany` (one transaction, up to 1,000 items). A domain resolver
 * extends the class this returns.
 */
export function UpsertMutations<TNode extends object, TInput extends object>(spec: {
  node: ClassType<TNode>;
  input: ClassType<TInput>;
  /** `Account` gives `upsertAccount` and `upsertAccounts`. */
  name: string;
  pluralName: string;
  description: string;
  serviceOf: (services: Services) => UpsertService<TInput, TNode>;
}) {
  @Resolver()
  abstract class UpsertMutationsResolver {
    @Authorized('sync')
    @Mutation(() => spec.node, { name: `upsert${spec.name}`, description: spec.description })
    async upsertOne(
      @Arg('input', () => spec.input, {
        description: `The ${spec.name.toLowerCase()} to create or update.`,
      })
      input: TInput,
      @Ctx() { services }: RequestContext,
    ): Promise<TNode> {
      const [node] = await spec.serviceOf(services).upsertMany([input]);
      return node;
    }

    @Authorized('sync')
    @Mutation(() => [spec.node], {
      name: `upsert${spec.pluralName}`,
      description: `Upserts up to 1,000 ${spec.pluralName.toLowerCase()} in one transaction; all or nothing.`,
    })
    upsertMany(
      @Arg('inputs', () => [spec.input], {
        description: `Up to 1,000 ${spec.pluralName.toLowerCase()}, each key at most once.`,
      })
      inputs: TInput[],
      @Ctx() { services }: RequestContext,
    ): Promise<TNode[]> {
      return spec.serviceOf(services).upsertMany(inputs);
    }
  }
  return UpsertMutationsResolver;
}

import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ description: "One signal's part of a score." })
export class ScoreContributionType {
  @Field({ description: 'The signal name, e.g. active_users.' })
  signal: string;

  @Field({ description: 'Display name of the signal.' })
  label: string;

  @Field(() => Float, { description: "The signal's raw value for the account over the window." })
  value: number;

  @Field(() => Float, {
    description: 'The most points the signal can earn (the weights add up to 100).',
  })
  weight: number;

  @Field(() => Float, { description: 'The value that earns the whole weight.' })
  fullAt: number;

  @Field(() => Float, {
    description: 'weight x min(value / fullAt, 1), to one decimal; the points add up to the score.',
  })
  points: number;
}

@ObjectType({ description: 'A 0-100 score with its explanation (schema/scores/*.yml).' })
export class AccountScoreType {
  @Field(() => Float, { description: 'The sum of the contributions, 0 to 100.' })
  score: number;

  @Field({ description: 'Start of the window the signals were read over.' })
  from: Date;

  @Field({ description: 'End of the window (exclusive).' })
  to: Date;

  @Field(() => [ScoreContributionType], { description: 'Each signal: value, weight and points.' })
  contributions: ScoreContributionType[];
}

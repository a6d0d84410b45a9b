import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('CompletionObj', {
  description: 'The business outcome of a mutation (legacy clients read it instead of errors).',
})
export class CompletionObj {
  @Field(() => String, { nullable: true, description: '"0" success, "1" failure.' })
  code!: string;

  @Field(() => String, { nullable: true, description: 'Human-readable outcome.' })
  msg!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Stable id of the outcome, e.g. "001" or "DU01".',
  })
  msg_id!: string;

  @Field(() => Int, { nullable: true, description: 'Records processed.' })
  processed!: number;

  @Field(() => Int, { nullable: true, description: 'Records created or changed.' })
  modified!: number;
}

export function success(msg_id: string, msg: string): CompletionObj {
  return { code: '0', msg, msg_id, processed: 1, modified: 1 };
}

export function failure(msg_id: string, msg: string): CompletionObj {
  return { code: '1', msg, msg_id, processed: 1, modified: 0 };
}

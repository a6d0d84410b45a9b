import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { Outcome } from '../../common/outcome';

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

/** A service's outcome as legacy clients read it: processed/modified exactly as the original demo reported them. */
export function completionObj(outcome: Outcome): CompletionObj {
  return outcome.ok
    ? { code: '0', msg: outcome.msg, msg_id: outcome.msgId, processed: 1, modified: 0 }
    : { code: '1', msg: outcome.msg, msg_id: outcome.msgId, processed: 0, modified: 0 };
}

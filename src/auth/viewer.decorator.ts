import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLContext } from '../graphql/graphql-context';
import type { Viewer as ViewerType } from './viewer';

/** The authenticated viewer `{ user_id, locale, roles }` of the current GraphQL request. */
export const Viewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ViewerType => {
    return GqlExecutionContext.create(context).getContext<GraphQLContext>().viewer;
  },
);

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLContext } from './graphql-context';

/** The viewer `{ user_id, locale, roles }` of the current GraphQL request: how resolvers read it. */
export const Viewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    GqlExecutionContext.create(context).getContext<GraphQLContext>().viewer,
);

import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { ApiError } from '../common/errors';
import { graphqlError } from './graphql-errors';

/**
 * Hands errors thrown on purpose (BAD_USER_INPUT, NOT_FOUND...) straight back to Apollo, instead
 * of Nest logging each as a server fault; the request plugin logs the unexpected ones.
 */
@Catch(GraphQLError, ApiError)
export class GraphQLErrorPassthrough implements GqlExceptionFilter {
  catch(exception: GraphQLError | ApiError, _host: ArgumentsHost): GraphQLError {
    return exception instanceof ApiError
      ? graphqlError(exception.code, exception.message)
      : exception;
  }
}

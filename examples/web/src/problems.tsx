import { CombinedGraphQLErrors, ServerError } from '@apollo/client';

/** One thing that went wrong, as a client switches on it: a code, and the id to quote when reporting it. */
export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
}

/** Every error of a request: GraphQL errors carry `extensions.code` and `extensions.requestId`. */
export function problemsOf(error: unknown): Problem[] {
  if (CombinedGraphQLErrors.is(error))
    return error.errors.map((e) => ({
      code: String(e.extensions?.code ?? 'UNKNOWN'),
      message: e.message,
      requestId: typeof e.extensions?.requestId === 'string' ? e.extensions.requestId : undefined,
    }));
  if (ServerError.is(error))
    return [
      {
        code: `HTTP_${error.statusCode}`,
        message: error.message,
        requestId: error.response.headers.get('x-request-id') ?? undefined,
      },
    ];
  return [
    { code: 'NETWORK_ERROR', message: error instanceof Error ? error.message : String(error) },
  ];
}

export function isUnauthenticated(error: unknown): boolean {
  return problemsOf(error).some((problem) => problem.code === 'UNAUTHENTICATED');
}

export function Problems({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <>
      {problemsOf(error).map((problem, index) => (
        <div className="problem" role="alert" key={index}>
          <code className="code">{problem.code}</code> {problem.message}
          {problem.requestId && (
            <div className="muted">
              request id <code className="request-id">{problem.requestId}</code>
            </div>
          )}
        </div>
      ))}
    </>
  );
}

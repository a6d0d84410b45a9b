// graphql-codegen for a frontend app: types for every operation in src/, from
// the API's committed schema. CI runs it (`npm run codegen:example`) so this
// example keeps working as the schema changes.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: { scalars: { DateTime: 'string' }, avoidOptionals: false, enumsAsTypes: true },
    },
  },
};

export default config;

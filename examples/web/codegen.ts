// Types and typed documents for every operation written with `graphql(...)` in src/, from the
// API's committed schema, plus the trusted-documents manifest (hash → document) the server can
// be given as TRUSTED_DOCUMENTS. Run by `npm run build` and `npm run check`.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // Writes src/gql/persisted-documents.json and puts each document's hash in its `__meta__`.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      // Apollo Client adds __typename to every selection before sending; the manifest must hold
      // the documents exactly as they are executed.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;

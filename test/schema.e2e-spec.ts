import { GraphQLSchemaHost } from '@nestjs/graphql';
import { readFileSync } from 'node:fs';
import { printSortedSchema, SCHEMA_FILE } from '../src/graphql/schema-printer';
import { startTestApp, type TestApp } from './support/test-app';

describe('schema.graphql', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('is the schema the code builds (run `npm run schema` after changing resolvers)', () => {
    const built = printSortedSchema(app.app.get(GraphQLSchemaHost).schema);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(built);
  });

  it('describes every type, field and argument', () => {
    const schema = app.app.get(GraphQLSchemaHost).schema;
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (
        type.name.startsWith('__') ||
        ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)
      )
        continue;
      if (!type.description) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

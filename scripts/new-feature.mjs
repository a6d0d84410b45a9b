#!/usr/bin/env node
// `npm run new:feature -- <name>`: writes a mounted feature folder in the
// project's conventions (docs/architecture.md, "A new feature"). Plain
// JavaScript so it runs from a fresh clone without a build.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const USAGE =
  'usage: npm run new:feature -- <name> (plural, lower case, e.g. reviews or gift-cards)';
const NAME = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
/** The file the GraphQL API mounts features from. */
const MOUNT = join('src', 'api', 'features.ts');

function fail(message) {
  console.error(`new:feature: ${message}`);
  process.exit(1);
}

/** `gift-cards` -> `gift-card`; undefined when the name is not a plural. */
function singularOf(plural) {
  if (/ies$/.test(plural)) return plural.replace(/ies$/, 'y');
  if (/(ss|x|z|ch|sh)es$/.test(plural)) return plural.replace(/es$/, '');
  if (/[^s]s$/.test(plural)) return plural.replace(/s$/, '');
  return undefined;
}

const pascal = (kebab) => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d, c) => c.toUpperCase());
const camel = (kebab) => kebab.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());
const snake = (kebab) => kebab.replace(/-/g, '_');
const words = (kebab) => kebab.replace(/-/g, ' ');

export function namesOf(plural) {
  const singular = singularOf(plural);
  return {
    folder: plural,
    file: singular,
    plural,
    singular,
    Type: pascal(singular),
    Types: pascal(plural),
    type: camel(singular),
    types: camel(plural),
    CONST: snake(singular).toUpperCase(),
    collection: snake(singular),
    id: `${snake(singular)}_id`,
    words: words(singular),
    wordsPlural: words(plural),
  };
}

/** Checks the name against the project as it is; returns the problem in one line, or undefined. */
export function problemWith(root, plural) {
  if (!plural) return USAGE;
  if (!NAME.test(plural) || plural.length > 40)
    return `"${plural}" is not a feature name: lower-case letters and digits, words joined by "-", at most 40 characters (e.g. reviews, gift-cards)`;
  if (!singularOf(plural))
    return `"${plural}" is not a plural: name the feature after its collection of things (e.g. reviews, not review)`;
  if (existsSync(join(root, 'src', plural)))
    return `src/${plural}/ exists already: pick another name, or delete the folder to generate it again`;
  const names = namesOf(plural);
  const schema = readFileSync(join(root, 'schema.graphql'), 'utf8');
  if (new RegExp(`^(type|interface|input|enum) ${names.Type}\\b`, 'm').test(schema))
    return `the GraphQL type ${names.Type} exists already (schema.graphql): pick another name`;
  if (existsSync(join(root, 'test', `${plural}.e2e-spec.ts`)))
    return `test/${plural}.e2e-spec.ts exists already: pick another name`;
  if (!existsSync(join(root, MOUNT))) return `${MOUNT} is missing: it lists the mounted features`;
  return undefined;
}

function serviceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return serviceFiles(path);
    return entry.name.endsWith('.service.ts') ? [path] : [];
  });
}

/** The next free success id (`003`) and an entity letter no outcome uses yet (docs/architecture.md, Message ids). */
export function messageIdsFor(root, names) {
  const text = serviceFiles(join(root, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const successes = [...text.matchAll(/succeeded\('(\d{3})'/g)].map((m) => Number(m[1]));
  const letters = new Set([...text.matchAll(/failed\('[DE]([A-Z])\d\d'/g)].map((m) => m[1]));
  const candidates = [
    ...names.Type.toUpperCase().replace(/[^A-Z]/g, ''),
    ...'ABCDFGHIJKLMNPQRSTVWXYZ',
  ];
  const letter = candidates.find((c) => !letters.has(c));
  return {
    created: String(Math.max(0, ...successes) + 1).padStart(3, '0'),
    invalid: `D${letter}01`,
    taken: `D${letter}02`,
    failed: `E${letter}01`,
  };
}

export function templates(n, ids) {
  const files = {};
  const dir = `src/${n.folder}`;

  files[`${dir}/${n.file}.model.ts`] = `
import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { newDbId, toGlobalId } from '../common/ids';
import { CompletionObj } from '../graphql/models/completion-obj.model';
import { ConnectionType } from '../graphql/models/connection.factory';
import { Node } from '../graphql/models/node.interface';
import { DateTimeScalar } from '../graphql/scalars/date-time.scalar';

/** A ${n.words} as services and repositories see it (a plain object). */
export interface ${n.Type} {
  readonly _id: string;
  readonly name: string;
  /** The user who created it. */
  readonly owner_id: string;
  readonly created_at: Date;
}

export type New${n.Type} = Omit<${n.Type}, 'created_at'>;

/** The \`${n.collection}\` collection. */
@Schema({
  collection: '${n.collection}',
  timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' },
  versionKey: false,
})
export class ${n.Type}Document {
  @Prop({ type: String, default: newDbId })
  _id!: string;

  @Prop({ type: String, required: true, unique: true })
  name!: string;

  @Prop({ type: String, required: true, index: true })
  owner_id!: string;

  created_at!: Date;
}

export const ${n.Type}Schema = SchemaFactory.createForClass(${n.Type}Document);
// One index per sortable field, with _id last: keyset paging seeks on both.
${n.Type}Schema.index({ name: 1, _id: 1 });
${n.Type}Schema.index({ created_at: 1, _id: 1 });

@ObjectType('${n.Type}', { implements: () => [Node], description: 'A ${n.words}.' })
export class ${n.Type}Model implements Node {
  readonly kind = '${n.Type}' as const;

  @Field(() => ID, { description: 'Global id (\`${n.Type}:<id>\` in base64).' })
  id!: string;

  /** The database id, for other features' fields on ${n.Type} (not in the schema). */
  dbId!: string;

  @Field(() => String, { description: 'Its name, unique among ${n.wordsPlural}.' })
  name!: string;

  @Field(() => ID, { description: 'Global id of the user who created it.' })
  owner_id!: string;

  @Field(() => DateTimeScalar, { description: 'When it was created (UTC).' })
  created_at!: Date;

  static from(${n.type}: ${n.Type}): ${n.Type}Model {
    return Object.assign(new ${n.Type}Model(), {
      id: toGlobalId('${n.Type}', ${n.type}._id),
      dbId: ${n.type}._id,
      name: ${n.type}.name,
      owner_id: toGlobalId('User', ${n.type}.owner_id),
      created_at: ${n.type}.created_at,
    });
  }
}

export const ${n.Type}Connection = ConnectionType(${n.Type}Model, '${n.Type}', '${n.wordsPlural}');

@ObjectType('Create${n.Type}Payload', { description: 'What create${n.Type} did.' })
export class Create${n.Type}Payload {
  @Field(() => ID, {
    nullable: true,
    description: 'Global id of the new ${n.words}; null when it was not created.',
  })
  ${n.id}?: string | null;

  @Field(() => CompletionObj, {
    nullable: true,
    description: 'The outcome (code "0" success, "1" failure, msg_id, msg).',
  })
  completionObj!: CompletionObj;

  @Field(() => String, { nullable: true, description: 'The clientMutationId sent with the input.' })
  clientMutationId?: string | null;
}
`;

  files[`${dir}/${n.file}.inputs.ts`] = `
import { Field, InputType } from '@nestjs/graphql';

@InputType('${n.Type}Input', { description: 'A new ${n.words}.' })
export class ${n.Type}Input {
  @Field(() => String, { description: 'Its name: 1-100 characters, unique.' })
  name!: string;
}

@InputType('Create${n.Type}Input', { description: 'Arguments of create${n.Type}.' })
export class Create${n.Type}Input {
  @Field(() => ${n.Type}Input, { description: 'The ${n.words} to create.' })
  ${n.collection}_data!: ${n.Type}Input;

  @Field(() => String, { nullable: true, description: 'Echoed back in the payload (Relay).' })
  clientMutationId?: string | null;
}
`;

  files[`${dir}/${n.plural}.repository.ts`] = `
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { findPage, type KeysetQuery, type Page } from '../common/pagination/keyset';
import { idsFilter } from '../database/ids-filter';
import { ${n.Type}Document, type New${n.Type}, type ${n.Type} } from './${n.file}.model';

/** Reads and writes the \`${n.collection}\` collection; returns plain objects. */
@Injectable()
export class ${n.Types}Repository {
  constructor(@InjectModel(${n.Type}Document.name) private readonly model: Model<${n.Type}Document>) {}

  /** The ${n.wordsPlural} with these ids, in no particular order (the loaders' batch query). */
  findByIds(ids: readonly string[]): Promise<${n.Type}[]> {
    return this.model.find(idsFilter(ids)).lean<${n.Type}[]>().exec();
  }

  page(query: KeysetQuery): Promise<Page<${n.Type}>> {
    return findPage<${n.Type}>(this.model, query);
  }

  async create(${n.type}: New${n.Type}): Promise<${n.Type}> {
    return (await this.model.create(${n.type})).toObject() as ${n.Type};
  }
}
`;

  files[`${dir}/${n.plural}.service.ts`] = `
import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseSafeFilter, RAW_ID_FIELD, type FilterField } from '../common/filters/safe-filter';
import { newDbId } from '../common/ids';
import { failed, succeeded, type Outcome } from '../common/outcome';
import { resolveSort, type Page } from '../common/pagination/keyset';
import type { ListRequest } from '../common/pagination/list';
import { hasControlCharacters } from '../common/text-rules';
import type { Viewer } from '../common/viewer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { isDatabaseUnavailable, isDuplicateKey } from '../database/database-errors';
import type { ${n.Type} } from './${n.file}.model';
import { ${n.Types}Repository } from './${n.plural}.repository';

/** What creating a ${n.words} came to (docs/api.md, the outcome table). */
export type Create${n.Type}Outcome =
  | (Outcome & { readonly kind: 'created'; readonly ${n.type}: ${n.Type} })
  | (Outcome & { readonly kind: 'invalid' | 'taken' | 'failed' });

export const ${n.CONST}_OUTCOMES = {
  created: (${n.type}: ${n.Type}) =>
    ({ kind: 'created', ${n.type}, ...succeeded('${ids.created}', '${pascal(n.singular).replace(/([a-z])([A-Z])/g, '$1 $2')} created') }) as const,
  invalid: (message: string) => ({ kind: 'invalid', ...failed('${ids.invalid}', message) }) as const,
  taken: { kind: 'taken', ...failed('${ids.taken}', 'A ${n.words} with this name exists already') },
  failed: { kind: 'failed', ...failed('${ids.failed}', 'Error creating ${n.Type}') },
} as const satisfies Record<string, Create${n.Type}Outcome | ((arg: never) => Create${n.Type}Outcome)>;

export const ${n.CONST}_SORTABLE = ['name', 'created_at'] as const;
export const ${n.CONST}_FILTERABLE: Record<string, FilterField> = {
  _id: RAW_ID_FIELD,
  name: { path: 'name', kind: 'string' },
  created_at: { path: 'created_at', kind: 'date' },
};

/** The rules for ${n.wordsPlural}: any signed-in viewer may read them and create one. No GraphQL here. */
@Injectable()
export class ${n.Types}Service {
  private readonly logger = new Logger('${n.Types}');

  constructor(
    private readonly ${n.types}: ${n.Types}Repository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(request: ListRequest): Promise<Page<${n.Type}>> {
    const filter = parseSafeFilter(request.filter, ${n.CONST}_FILTERABLE);
    const keys = resolveSort(request.orderBy, ${n.CONST}_SORTABLE);
    const limits = this.config.graphql;
    return this.${n.types}.page({ filter, keys, page: request, limits });
  }

  /** Which field is wrong, and why; undefined when the input is fine. */
  validate(input: { readonly name: string }): string | undefined {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) return 'name must be 1-100 characters';
    if (hasControlCharacters(name)) return 'name must not contain control characters';
    return undefined;
  }

  async create(viewer: Viewer, input: { readonly name: string }): Promise<Create${n.Type}Outcome> {
    const problem = this.validate(input);
    if (problem) return ${n.CONST}_OUTCOMES.invalid(problem);
    try {
      const ${n.type} = await this.${n.types}.create({
        _id: newDbId(),
        name: input.name.trim(),
        owner_id: viewer.user_id,
      });
      return ${n.CONST}_OUTCOMES.created(${n.type});
    } catch (error) {
      // An outage is the API's SERVICE_UNAVAILABLE, not an outcome.
      if (isDatabaseUnavailable(error)) throw error;
      // The unique index on name settles races between two creates.
      if (isDuplicateKey(error)) return ${n.CONST}_OUTCOMES.taken;
      this.logger.error(\`Creating a ${n.words} failed: \${(error as Error).message}\`);
      return ${n.CONST}_OUTCOMES.failed;
    }
  }
}
`;

  files[`${dir}/${n.plural}.loaders.ts`] = `
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { idLoader, LoaderKey, LoaderRegistry } from '../graphql/loaders';
import { NodeRegistry } from '../graphql/node-registry';
import { ${n.Type}Model, type ${n.Type} } from './${n.file}.model';
import { ${n.Types}Repository } from './${n.plural}.repository';

/** ${pascal(n.plural).replace(/([a-z])([A-Z])/g, '$1 $2')} by database id, batched per request. */
export const ${n.CONST}_BY_ID = new LoaderKey<string, ${n.Type} | undefined>('${n.types}.byId');

/** The ${n.wordsPlural} feature's part of every GraphQL request: its loaders, and \`node\` for ${n.Type} ids. */
@Injectable()
export class ${n.Types}Loaders implements OnModuleInit {
  constructor(
    private readonly loaders: LoaderRegistry,
    private readonly nodes: NodeRegistry,
    private readonly ${n.types}: ${n.Types}Repository,
  ) {}

  onModuleInit(): void {
    this.loaders.register(
      ${n.CONST}_BY_ID,
      idLoader((ids) => this.${n.types}.findByIds(ids)),
    );
    this.nodes.register('${n.Type}', async (id, _viewer, loaders) => {
      const ${n.type} = await loaders.get(${n.CONST}_BY_ID).load(id);
      return ${n.type} ? ${n.Type}Model.from(${n.type}) : null;
    });
  }
}
`;

  files[`${dir}/${n.plural}.resolver.ts`] = `
import { Args, Context, ID, Info, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { Viewer } from '../graphql/viewer.decorator';
import { expectGlobalId, toGlobalId } from '../common/ids';
import type { Viewer as ViewerType } from '../common/viewer';
import { toConnection } from '../graphql/connections';
import { ListArgs, listRequest } from '../graphql/dto/list.args';
import type { GraphQLContext } from '../graphql/graphql-context';
import { completionObj } from '../graphql/models/completion-obj.model';
import type { Connection } from '../graphql/models/connection.factory';
import { Create${n.Type}Input } from './${n.file}.inputs';
import { Create${n.Type}Payload, ${n.Type}Connection, ${n.Type}Model } from './${n.file}.model';
import { ${n.CONST}_BY_ID } from './${n.plural}.loaders';
import { ${n.Types}Service } from './${n.plural}.service';

/** Thin: arguments in, connections and outcomes out; the rules are in ${n.Types}Service. */
@Resolver(() => ${n.Type}Model)
export class ${n.Types}Resolver {
  constructor(private readonly ${n.types}: ${n.Types}Service) {}

  @Query(() => ${n.Type}Model, { nullable: true, description: 'One ${n.words}; null when not found.' })
  async get${n.Type}(
    @Args('${n.id}', { type: () => ID, description: 'Global id of the ${n.words}.' }) id: string,
    @Context() context: GraphQLContext,
  ): Promise<${n.Type}Model | null> {
    const ${n.type} = await context.loaders
      .get(${n.CONST}_BY_ID)
      .load(expectGlobalId('${n.Type}', id, '${n.id}'));
    return ${n.type} ? ${n.Type}Model.from(${n.type}) : null;
  }

  @Query(() => ${n.Type}Connection, {
    nullable: true,
    description: '${pascal(n.plural).replace(/([a-z])([A-Z])/g, '$1 $2')}, sortable by name and created_at, filterable by name and created_at.',
  })
  async list${n.Types}(
    @Args() args: ListArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<${n.Type}Model>> {
    return toConnection(await this.${n.types}.list(listRequest(args, info)), ${n.Type}Model.from);
  }

  @Mutation(() => Create${n.Type}Payload, {
    nullable: true,
    description: 'Creates a ${n.words} owned by the viewer. Outcome in completionObj: ${ids.created}, ${ids.invalid}, ${ids.taken}, ${ids.failed}.',
  })
  async create${n.Type}(
    @Args('input', { type: () => Create${n.Type}Input, description: 'The ${n.words} and a clientMutationId.' })
    input: Create${n.Type}Input,
    @Viewer() viewer: ViewerType,
  ): Promise<Create${n.Type}Payload> {
    const outcome = await this.${n.types}.create(viewer, { name: input.${n.collection}_data.name });
    return {
      ${n.id}: outcome.kind === 'created' ? toGlobalId('${n.Type}', outcome.${n.type}._id) : null,
      completionObj: completionObj(outcome),
      clientMutationId: input.clientMutationId ?? null,
    };
  }
}
`;

  files[`${dir}/${n.plural}.module.ts`] = `
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ${n.Type}Document, ${n.Type}Schema } from './${n.file}.model';
import { ${n.Types}Loaders } from './${n.plural}.loaders';
import { ${n.Types}Repository } from './${n.plural}.repository';
import { ${n.Types}Resolver } from './${n.plural}.resolver';
import { ${n.Types}Service } from './${n.plural}.service';

/** The ${n.wordsPlural}' data and rules: what another feature imports to use them. */
@Module({
  imports: [MongooseModule.forFeature([{ name: ${n.Type}Document.name, schema: ${n.Type}Schema }])],
  providers: [${n.Types}Repository, ${n.Types}Service],
  exports: [${n.Types}Repository, ${n.Types}Service],
})
export class ${n.Types}Module {}

/**
 * The ${n.wordsPlural}' GraphQL side (resolvers, loaders, \`node\`), mounted by the API
 * (src/api/features.ts); apart, so a process without the API loads none of it.
 */
@Module({ imports: [${n.Types}Module], providers: [${n.Types}Resolver, ${n.Types}Loaders] })
export class ${n.Types}GraphQLModule {}
`;

  files[`${dir}/${n.plural}.service.spec.ts`] = `
import { getModelToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { mongo } from 'mongoose';
import { ApiError } from '../common/errors';
import type { Viewer } from '../common/viewer';
import { APP_CONFIG, loadConfig } from '../config/app-config';
import { ${n.Type}Document } from './${n.file}.model';
import { ${n.Types}Repository } from './${n.plural}.repository';
import { ${n.Types}Service } from './${n.plural}.service';

const JANE: Viewer = { user_id: 'Jane00000001', locale: 'en', roles: ['user'] };
const duplicateKey = () => Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

describe('${n.Types}Service', () => {
  let service: ${n.Types}Service;
  const model = {
    create: jest.fn(async (doc: Record<string, unknown>) => ({
      toObject: () => ({ ...doc, created_at: new Date('2026-01-01T00:00:00Z') }),
    })),
  };

  beforeEach(async () => {
    model.create.mockClear();
    const moduleRef = await Test.createTestingModule({
      providers: [
        ${n.Types}Service,
        ${n.Types}Repository,
        { provide: APP_CONFIG, useValue: loadConfig({ NODE_ENV: 'test' }, { dotenv: false }) },
        { provide: getModelToken(${n.Type}Document.name), useValue: model },
      ],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(${n.Types}Service);
  });

  it('creates a ${n.words} owned by the viewer: ${ids.created}', async () => {
    const outcome = await service.create(JANE, { name: '  First  ' });
    expect(outcome).toMatchObject({ ok: true, msgId: '${ids.created}', kind: 'created' });
    expect(model.create).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'First', owner_id: JANE.user_id }),
    );
  });

  it.each([
    ['', 'name must be 1-100 characters'],
    ['x'.repeat(101), 'name must be 1-100 characters'],
    ['bell\\u0007', 'name must not contain control characters'],
  ])('refuses the name %j: ${ids.invalid}, saying why', async (name, msg) => {
    expect(await service.create(JANE, { name })).toMatchObject({ ok: false, msgId: '${ids.invalid}', msg });
    expect(model.create).not.toHaveBeenCalled();
  });

  it('reports a name taken (the unique index refused it): ${ids.taken}', async () => {
    model.create.mockRejectedValueOnce(duplicateKey());
    expect(await service.create(JANE, { name: 'First' })).toMatchObject({ ok: false, msgId: '${ids.taken}' });
  });

  it('reports any other write failure as ${ids.failed}, and rethrows an outage', async () => {
    model.create.mockRejectedValueOnce(new Error('disk full'));
    expect(await service.create(JANE, { name: 'First' })).toMatchObject({ ok: false, msgId: '${ids.failed}' });
    model.create.mockRejectedValueOnce(new mongo.MongoNetworkError('connection refused'));
    await expect(service.create(JANE, { name: 'First' })).rejects.toThrow('connection refused');
  });

  it('refuses a sort it does not offer as BAD_USER_INPUT', async () => {
    await expect(
      service.list({ orderBy: [{ field: 'owner_id', direction: 'ASC' }] }),
    ).rejects.toBeInstanceOf(ApiError);
  });
});
`;

  files[`test/${n.plural}.e2e-spec.ts`] = `
import { expectCode, startTestApp, USERS, type KitApp, type TestClient } from './support';

const CREATE = \`mutation ($name: String!) {
  create${n.Type}(input: { ${n.collection}_data: { name: $name }, clientMutationId: "c1" }) {
    ${n.id}
    clientMutationId
    completionObj { code msg msg_id }
  }
}\`;

describe('${n.wordsPlural}', () => {
  let app: KitApp;
  let jane: TestClient;
  beforeAll(async () => {
    app = await startTestApp({ seed: true });
    jane = await app.asUser(USERS.jane);
  });
  afterAll(() => app.close());

  it('create${n.Type} creates one owned by the viewer (${ids.created}), readable by id and as a node', async () => {
    const { data } = await jane.graphql(CREATE, { name: 'First' });
    expect(data.create${n.Type}).toMatchObject({
      clientMutationId: 'c1',
      completionObj: { code: '0', msg_id: '${ids.created}' },
    });
    const id = data.create${n.Type}.${n.id};
    const john = await app.asUser(USERS.john);
    const read = await john.graphql(
      \`query ($id: ID!) {
        get${n.Type}(${n.id}: $id) { id name owner_id }
        node(id: $id) { ... on ${n.Type} { name } }
      }\`,
      { id },
    );
    expect(read.data).toEqual({
      get${n.Type}: { id, name: 'First', owner_id: USERS.jane.globalId },
      node: { name: 'First' },
    });
  });

  it('refuses a taken name (${ids.taken}) and an invalid one (${ids.invalid}) as outcomes', async () => {
    await jane.graphql(CREATE, { name: 'Taken' });
    const taken = await jane.graphql(CREATE, { name: 'Taken' });
    expect(taken.data.create${n.Type}).toMatchObject({ ${n.id}: null, completionObj: { code: '1', msg_id: '${ids.taken}' } });
    const invalid = await jane.graphql(CREATE, { name: '' });
    expect(invalid.data.create${n.Type}.completionObj).toMatchObject({
      msg_id: '${ids.invalid}',
      msg: 'name must be 1-100 characters',
    });
  });

  it('list${n.Types} pages by name with one query per page', async () => {
    for (const name of ['Page A', 'Page B', 'Page C']) await jane.graphql(CREATE, { name });
    const page = (after?: string) =>
      jane.graphql(
        \`query ($after: String, $filter: String) {
          list${n.Types}(first: 2, after: $after, orderBy: [{ field: "name", direction: ASC }],
            filterValues: { filterValuesString: $filter }) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges { node { name } }
          }
        }\`,
        { after, filter: JSON.stringify({ name: { $in: ['Page A', 'Page B', 'Page C'] } }) },
      );
    const { result: first, commands } = await app.countCommands(() => page());
    expect(commands.filter((c) => c.startsWith('find'))).toHaveLength(1);
    expect(first.data.list${n.Types}.totalCount).toBe(3);
    expect(first.data.list${n.Types}.edges.map((e: any) => e.node.name)).toEqual(['Page A', 'Page B']);
    const second = await page(first.data.list${n.Types}.pageInfo.endCursor);
    expect(second.data.list${n.Types}.edges.map((e: any) => e.node.name)).toEqual(['Page C']);
    expect(second.data.list${n.Types}.pageInfo.hasNextPage).toBe(false);
  });

  it('answers a wrong id as BAD_USER_INPUT and an anonymous request as UNAUTHENTICATED', async () => {
    expectCode(
      await jane.graphql(\`{ get${n.Type}(${n.id}: "\${USERS.jane.globalId}") { id } }\`),
      'BAD_USER_INPUT',
    );
    expectCode(await app.anonymous().graphql(\`{ list${n.Types}(first: 1) { totalCount } }\`), 'UNAUTHENTICATED');
  });
});
`;
  return files;
}

/** Adds the feature's module to the list the GraphQL API mounts. */
export function mount(root, n) {
  const path = join(root, MOUNT);
  const text = readFileSync(path, 'utf8');
  const list = /export const FEATURE_MODULES = \[([^\]]*)\]/;
  if (!list.test(text))
    fail(
      `${MOUNT} has no "export const FEATURE_MODULES = [...]" to add ${n.Types}GraphQLModule to`,
    );
  const withImport = text.replace(
    /((?:^import [^\n]*\n)+)/m,
    `$1import { ${n.Types}GraphQLModule } from '../${n.folder}/${n.plural}.module';\n`,
  );
  writeFileSync(
    path,
    withImport.replace(
      list,
      (_m, items) =>
        `export const FEATURE_MODULES = [${items.trim().replace(/,$/, '')}, ${n.Types}GraphQLModule]`,
    ),
  );
  return MOUNT;
}

/** Adds the new mutation's outcomes to docs/api.md's outcome table, after its last row. */
export function documentOutcomes(root, n, ids) {
  const path = join(root, 'docs', 'api.md');
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\| mutation\s+\| outcome\s+\| code/.test(line));
  if (header < 0) return undefined;
  let last = header + 1;
  while (lines[last + 1]?.startsWith('|')) last += 1;
  const mutation = `create${n.Type}`;
  lines.splice(
    last + 1,
    0,
    `| ${mutation} | created | 0 | ${ids.created} | ${n.words[0].toUpperCase()}${n.words.slice(1)} created |`,
    `| ${mutation} | invalid input | 1 | ${ids.invalid} | names the field |`,
    `| ${mutation} | name taken | 1 | ${ids.taken} | A ${n.words} with this name exists already |`,
    `| ${mutation} | other failure | 1 | ${ids.failed} | Error creating ${n.Type} |`,
  );
  writeFileSync(path, lines.join('\n'));
  return join('docs', 'api.md');
}

export async function generate(root, plural) {
  const problem = problemWith(root, plural);
  if (problem) fail(problem);
  const n = namesOf(plural);
  const ids = messageIdsFor(root, n);
  const files = templates(n, ids);
  const config = await prettier.resolveConfig(join(root, 'package.json'));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(
      join(root, file),
      await prettier.format(source.trimStart(), { ...config, filepath: join(root, file) }),
    );
  }
  const edited = [mount(root, n), documentOutcomes(root, n, ids)].filter(Boolean);
  for (const file of edited) {
    const path = join(root, file);
    writeFileSync(
      path,
      await prettier.format(readFileSync(path, 'utf8'), { ...config, filepath: path }),
    );
  }
  return { names: n, files: [...Object.keys(files), ...edited] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0].startsWith('-')) fail(USAGE);
  const { names, files } = await generate(root, args[0]);
  console.log(
    `Wrote the ${names.plural} feature, mounted in ${MOUNT}, its outcomes in docs/api.md:`,
  );
  for (const file of files) console.log(`  ${relative(root, join(root, file))}`);
  console.log(
    `Next: npm run schema; npm test -- src/${names.folder} test/${names.plural}.e2e-spec.ts; then make it yours (docs/architecture.md, "A new feature").`,
  );
}

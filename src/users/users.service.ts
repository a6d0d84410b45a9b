import { Inject, Injectable, Logger } from '@nestjs/common';
import { Error as MongooseError } from 'mongoose';
import { canSeePrivateDataOf, isAdmin, type Viewer } from '../common/viewer';
import { parseSafeFilter, RAW_ID_FIELD, type FilterField } from '../common/filters/safe-filter';
import { forbidden } from '../common/errors';
import { newDbId } from '../common/ids';
import { hasControlCharacters } from '../common/text-rules';
import { isDatabaseUnavailable, isDuplicateKey } from '../database/database-errors';
import { failed, succeeded, type Outcome } from '../common/outcome';
import { resolveSort, type Page } from '../common/pagination/keyset';
import type { ListRequest } from '../common/pagination/list';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { EMAIL, type NewUser, type User, type VisibleUser } from './user.model';
import { UsersRepository } from './users.repository';

/** What creating a user came to, with its message id (docs/api.md, createUser). */
export type CreateUserOutcome =
  | (Outcome & { readonly kind: 'created'; readonly user: User })
  | (Outcome & { readonly kind: 'username_taken' | 'email_taken' | 'invalid' | 'failed' });

export const USER_OUTCOMES = {
  created: (user: User) =>
    ({ kind: 'created', user, ...succeeded('001', 'User created') }) as const,
  usernameTaken: { kind: 'username_taken', ...failed('DU01', 'Username already exist') },
  emailTaken: {
    kind: 'email_taken',
    ...failed('DU02', 'Primary email found in another existing profile'),
  },
  /** The message says which field, and why. */
  invalid: (message: string) => ({ kind: 'invalid', ...failed('DU03', message) }) as const,
  failed: { kind: 'failed', ...failed('EU01', 'Error creating User') },
} as const satisfies Record<string, CreateUserOutcome | ((arg: never) => CreateUserOutcome)>;

/** A new profile as a client sends it: an optional field may also be null. */
type UserRequest = Omit<NewUser, 'full_name' | 'primary_locale'> & {
  readonly full_name?: string | null;
  readonly primary_locale?: string | null;
};

const USERNAME = /^[A-Za-z0-9._-]{3,100}$/;
const LOCALE = /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/;
const ID_COLLISION_RETRIES = 3;

export const USER_SORTABLE = ['full_name', 'username', 'primary_locale', 'created_at'] as const;
const USER_FILTERABLE: Record<string, FilterField> = {
  _id: RAW_ID_FIELD,
  full_name: { path: 'full_name', kind: 'string' },
  username: { path: 'username', kind: 'string' },
  primary_locale: { path: 'primary_locale', kind: 'string' },
  created_at: { path: 'created_at', kind: 'date' },
};

/** The email is private: only the user themselves and admins see it. */
export function visibleTo(viewer: Viewer, user: User): VisibleUser {
  return (
    canSeePrivateDataOf(viewer, user._id) ? user : { ...user, primary_email: null }
  ) as VisibleUser;
}

/** Business rules for users, shared by sign-up and the `createUser` mutation. */
@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Checks input the way a person would want it explained: which field, and why. */
  validate(input: UserRequest): string | undefined {
    for (const field of ['username', 'primary_email', 'full_name', 'primary_locale'] as const) {
      const value = input[field];
      if (typeof value === 'string' && hasControlCharacters(value))
        return `${field} must not contain control characters`;
    }
    if (typeof input.username !== 'string' || !USERNAME.test(input.username)) {
      return 'username must be 3-100 letters, digits, dots, dashes or underscores';
    }
    if (
      typeof input.primary_email !== 'string' ||
      input.primary_email.length > 254 ||
      !EMAIL.test(input.primary_email)
    ) {
      return 'primary_email must be a valid email address';
    }
    if (
      input.full_name != null &&
      (typeof input.full_name !== 'string' || input.full_name.length > 200)
    ) {
      return 'full_name must be at most 200 characters';
    }
    if (input.primary_locale != null && !LOCALE.test(input.primary_locale)) {
      return 'primary_locale must be a locale such as en or pt-BR';
    }
    return undefined;
  }

  /** `createUser` of the API: admins only (people sign up at /auth/signup). */
  async createAs(viewer: Viewer, input?: UserRequest | null): Promise<CreateUserOutcome> {
    if (!isAdmin(viewer)) throw forbidden('Only admins can create users');
    return input ? this.create(input) : USER_OUTCOMES.invalid('user_data is required');
  }

  async create(input: UserRequest): Promise<CreateUserOutcome> {
    const invalid = this.validate(input);
    if (invalid) return USER_OUTCOMES.invalid(invalid);
    const user: NewUser = {
      username: input.username,
      primary_email: input.primary_email.toLowerCase(),
      full_name: input.full_name ?? undefined,
      primary_locale: input.primary_locale ?? 'en',
      roles: input.roles ?? ['user'],
    };
    for (let attempt = 0; attempt <= ID_COLLISION_RETRIES; attempt += 1) {
      const _id = newDbId();
      try {
        return USER_OUTCOMES.created(await this.users.create({ ...user, _id }));
      } catch (error) {
        // An outage is the service's 503 SERVICE_UNAVAILABLE, not a failed sign-up.
        if (isDatabaseUnavailable(error)) throw error;
        if (error instanceof MongooseError.ValidationError) {
          return USER_OUTCOMES.invalid(Object.values(error.errors)[0]?.message ?? 'invalid user');
        }
        if (!isDuplicateKey(error)) {
          this.logger.error(`Creating a user failed: ${(error as Error).message}`);
          return USER_OUTCOMES.failed;
        }
        // Unique indexes settle races: find out which value is taken now.
        if (await this.users.findByUsername(user.username)) return USER_OUTCOMES.usernameTaken;
        if (await this.users.findByEmail(user.primary_email)) return USER_OUTCOMES.emailTaken;
        if (!(await this.users.findById(_id))) return USER_OUTCOMES.failed;
        // Otherwise the random id collided: try another.
      }
    }
    return USER_OUTCOMES.failed;
  }

  async list(viewer: Viewer, request: ListRequest): Promise<Page<VisibleUser>> {
    const filter = parseSafeFilter(request.filter, this.filterableFor(viewer));
    const keys = resolveSort(request.orderBy, USER_SORTABLE);
    const limits = this.config.graphql;
    const page = await this.users.page({ filter, keys, page: request, limits });
    return { ...page, items: page.items.map((user) => visibleTo(viewer, user)) };
  }

  /** `getUser(item_query)`: the first user matching a safe JSON filter, or undefined. */
  async findFirst(viewer: Viewer, itemQuery: string): Promise<VisibleUser | undefined> {
    const user = await this.users.findFirst(parseSafeFilter(itemQuery, this.filterableFor(viewer)));
    return user && visibleTo(viewer, user);
  }

  /** Only admins may look users up by email: for anyone else it would reveal who has an account. */
  private filterableFor(viewer: Viewer): Record<string, FilterField> {
    return isAdmin(viewer)
      ? { ...USER_FILTERABLE, primary_email: { path: 'primary_email', kind: 'string' } }
      : USER_FILTERABLE;
  }
}

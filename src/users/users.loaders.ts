import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Viewer } from '../common/viewer';
import { idLoader, LoaderKey, LoaderRegistry, type RequestLoaders } from '../graphql/loaders';
import { NodeRegistry } from '../graphql/node-registry';
import { UserModel, type User } from './user.model';
import { UsersRepository } from './users.repository';
import { visibleTo } from './users.service';

/** Users by database id, batched per request. */
const USER_BY_ID = new LoaderKey<string, User | undefined>('users.byId');

/** The user with this id as the viewer may see them (batched through the request's loader), or null. */
export async function loadUserFor(
  loaders: RequestLoaders,
  viewer: Viewer,
  userId: string,
): Promise<UserModel | null> {
  const user = await loaders.get(USER_BY_ID).load(userId);
  return user ? UserModel.from(visibleTo(viewer, user)) : null;
}

/** The users feature's part of every GraphQL request: its loader, and `node` for User ids. */
@Injectable()
export class UsersLoaders implements OnModuleInit {
  constructor(
    private readonly loaders: LoaderRegistry,
    private readonly nodes: NodeRegistry,
    private readonly users: UsersRepository,
  ) {}

  onModuleInit(): void {
    this.loaders.register(
      USER_BY_ID,
      idLoader((ids) => this.users.findByIds(ids)),
    );
    this.nodes.register('User', (id, viewer, loaders) => loadUserFor(loaders, viewer, id));
  }
}

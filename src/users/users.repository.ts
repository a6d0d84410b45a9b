import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { MongoFilter } from '../common/filters/safe-filter';
import { idsFilter } from '../database/ids-filter';
import { insertNew, type InsertReport } from '../database/insert-new';
import { findPage, type KeysetQuery, type Page } from '../common/pagination/keyset';
import { UserDocument, type NewUser, type User } from './user.model';

type StoredUser = Omit<User, 'roles'> & { roles?: User['roles'] };

function toUser(stored: StoredUser): User {
  return { ...stored, roles: stored.roles && stored.roles.length > 0 ? stored.roles : ['user'] };
}

/** Reads and writes the `user` collection; returns plain objects. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(UserDocument.name) private readonly model: Model<UserDocument>) {}

  findById(id: string): Promise<User | undefined> {
    return this.findFirst({ _id: id });
  }

  /** The users with these ids, in no particular order; unknown ids are simply absent. */
  async findByIds(ids: readonly string[]): Promise<User[]> {
    const found = await this.model.find(idsFilter(ids)).lean<StoredUser[]>().exec();
    return found.map(toUser);
  }

  findByUsername(username: string): Promise<User | undefined> {
    return this.findFirst({ username });
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.findFirst({ primary_email: email.toLowerCase() });
  }

  async create(user: NewUser): Promise<User> {
    const created = await this.model.create({
      ...user,
      roles: user.roles ? [...user.roles] : undefined,
    });
    return toUser(created.toObject() as StoredUser);
  }

  /** Inserts or replaces by `_id` (seeding). */
  async upsert(user: NewUser & { _id: string }): Promise<void> {
    await this.model
      .updateOne(
        { _id: user._id },
        { $set: { ...user, roles: [...(user.roles ?? ['user'])] } },
        { upsert: true, runValidators: true },
      )
      .exec();
  }

  async deleteById(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id }).exec();
  }

  page(query: KeysetQuery): Promise<Page<User>> {
    return findPage<StoredUser>(this.model, query).then((page) => ({
      ...page,
      items: page.items.map(toUser),
    }));
  }

  /** One `findOne`, no sort, as the original demo's getUser: the database's first match. */
  async findFirst(filter: MongoFilter): Promise<User | undefined> {
    const found = await this.model.findOne(filter).lean<StoredUser>().exec();
    return found ? toUser(found) : undefined;
  }

  /** Bulk seeding: inserts the users not there yet (see insertNew). */
  insertMany(users: readonly NewUser[]): Promise<InsertReport> {
    return insertNew(
      this.model,
      users.map((user) => ({ ...user, roles: [...(user.roles ?? ['user'])] })),
    );
  }

  async count(): Promise<number> {
    return this.model.estimatedDocumentCount().exec();
  }
}

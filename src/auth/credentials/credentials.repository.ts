import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CredentialDocument } from './credential.schema';

type Credential = Readonly<CredentialDocument>;

@Injectable()
export class CredentialsRepository {
  constructor(
    @InjectModel(CredentialDocument.name) private readonly model: Model<CredentialDocument>,
  ) {}

  async findByUsername(username: string): Promise<Credential | undefined> {
    return (await this.model.findOne({ username }).lean<Credential>().exec()) ?? undefined;
  }

  async findById(userId: string): Promise<Credential | undefined> {
    return (await this.model.findById(userId).lean<Credential>().exec()) ?? undefined;
  }

  async create(credential: Omit<Credential, 'disabled'>): Promise<void> {
    await this.model.create(credential);
  }

  async upsert(credential: Omit<Credential, 'disabled'> & { disabled?: boolean }): Promise<void> {
    await this.model
      .updateOne({ _id: credential._id }, { $set: credential }, { upsert: true })
      .exec();
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.model.updateOne({ _id: userId }, { $set: { password_hash: passwordHash } }).exec();
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.model.updateOne({ _id: userId }, { $set: { disabled } }).exec();
  }
}

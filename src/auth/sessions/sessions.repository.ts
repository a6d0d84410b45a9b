import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { SessionDocument } from './session.schema';

export type Session = Readonly<SessionDocument>;

/** The most replaced refresh tokens a session remembers (a week of refreshes every 15 minutes is 672). */
const MAX_FAMILY = 1_000;

/** Reads and writes the `session` collection; returns plain objects. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectModel(SessionDocument.name) private readonly model: Model<SessionDocument>) {}

  async create(session: Omit<Session, 'family' | 'revoked_at'>): Promise<void> {
    await this.model.create(session);
  }

  async findById(sid: string): Promise<Session | undefined> {
    return (await this.model.findById(sid).lean<Session>().exec()) ?? undefined;
  }

  /**
   * Replaces the current refresh token, only if it still is `currentHash`:
   * of two requests presenting the same token, one wins and the other sees
   * false (and is then a reuse).
   */
  async rotate(session: Session, newHash: string, now: Date): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { _id: session._id, refresh_hash: session.refresh_hash, revoked_at: { $exists: false } },
        {
          $set: {
            refresh_hash: newHash,
            family: [...session.family, session.refresh_hash].slice(-MAX_FAMILY),
            last_used_at: now,
          },
        },
      )
      .exec();
    return result.modifiedCount === 1;
  }

  /** Marks the session revoked; false when it was not live (unknown, or revoked already). */
  async revoke(sid: string, now: Date): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: sid, revoked_at: { $exists: false } }, { $set: { revoked_at: now } })
      .exec();
    return result.modifiedCount === 1;
  }

  /** The user's sessions that are neither revoked nor expired, newest first. */
  async findLive(userId: string, now: Date): Promise<Session[]> {
    return this.model
      .find({ user_id: userId, revoked_at: { $exists: false }, expires_at: { $gt: now } })
      .sort({ created_at: -1 })
      .lean<Session[]>()
      .exec();
  }
}

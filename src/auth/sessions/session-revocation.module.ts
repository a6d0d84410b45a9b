import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RevocationFeed } from './revocation-feed';
import { RevocationDocument, RevocationSchema } from './revocation.schema';
import { RevokedSessions } from './revoked-sessions';

/** The revocation feed and what this process learned from it: every process that checks tokens has it. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: RevocationDocument.name, schema: RevocationSchema }]),
  ],
  providers: [RevokedSessions, RevocationFeed],
  exports: [RevokedSessions, RevocationFeed],
})
export class SessionRevocationModule {}

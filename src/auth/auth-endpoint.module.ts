import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthVerificationModule } from './auth-verification.module';
import { CredentialDocument, CredentialSchema } from './credentials/credential.schema';
import { CredentialsRepository } from './credentials/credentials.repository';
import { PasswordHasher } from './credentials/password-hasher';
import { CookieWriter } from './http/cookie-writer';
import { JwksController } from './jwks.controller';
import { ExpiredSessions } from './sessions/expired-sessions';
import { SessionDocument, SessionSchema } from './sessions/session.schema';
import { SessionsRepository } from './sessions/sessions.repository';
import { SessionsService } from './sessions/sessions.service';
import { TokenIssuer } from './token/token-issuer';

/** The auth endpoint: the only part that holds the private key and reads credentials and sessions. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CredentialDocument.name, schema: CredentialSchema },
      { name: SessionDocument.name, schema: SessionSchema },
    ]),
    UsersModule,
    AuthVerificationModule,
  ],
  controllers: [AuthController, AccountController, JwksController],
  providers: [
    AuthService,
    CredentialsRepository,
    PasswordHasher,
    TokenIssuer,
    CookieWriter,
    SessionsRepository,
    SessionsService,
    ExpiredSessions,
  ],
  exports: [CredentialsRepository, PasswordHasher],
})
export class AuthEndpointModule {}

import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthVerificationModule } from './auth-verification.module';
import { CredentialDocument, CredentialSchema } from './credentials/credential.schema';
import { CredentialsRepository } from './credentials/credentials.repository';
import { PasswordHasher } from './credentials/password-hasher';
import { CookieWriter } from './http/cookie-writer';
import { JwksController } from './jwks.controller';
import { TokenIssuer } from './token/token-issuer';

/** The auth endpoint: the only part that holds the private key and reads credentials. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: CredentialDocument.name, schema: CredentialSchema }]),
    UsersModule,
    AuthVerificationModule,
  ],
  controllers: [AuthController, JwksController],
  providers: [AuthService, CredentialsRepository, PasswordHasher, TokenIssuer, CookieWriter],
  exports: [CredentialsRepository, PasswordHasher],
})
export class AuthEndpointModule {}

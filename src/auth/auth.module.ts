import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from '../environment/environment.js';
import { UserAdminResolver } from './admin/user-admin.resolver.js';
import { UserAdminService } from './admin/user-admin.service.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { ApiToken } from './api-token.entity.js';
import { ApiTokensService } from './api-tokens.service.js';
import { AuthResolver } from './auth.resolver.js';
import { AuthService } from './auth.service.js';
import { DeviceCookies } from './device-cookies.js';
import { AuthenticationGuard } from './guards/authentication.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { resolveJwtSecret } from './jwt-secret.js';
import { LoginFailure } from './login-failure.entity.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginController } from './login.controller.js';
import { SignInStrategy } from './sign-in-strategy.js';
import { LocalStrategy } from './strategies/local.strategy.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, ApiToken, LoginFailure]),
    PassportModule,
    JwtModule.registerAsync({
      inject: [Environment],
      useFactory: async (env: Environment) => ({
        // A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as
        // a public key and falls back on the exception, about 1 ms on every request.
        secret: createSecretKey(Buffer.from(await resolveJwtSecret(env))) as unknown as Buffer,
        signOptions: { algorithm: 'HS256', expiresIn: env.jwtExpiresInSeconds },
      }),
    }),
  ],
  controllers: [LoginController],
  providers: [
    UsersService,
    ApiTokensService,
    LoginThrottleService,
    {
      provide: DeviceCookies,
      inject: [Environment],
      useFactory: async (env: Environment) =>
        new DeviceCookies(await resolveJwtSecret(env), env.LOGIN_DEVICE_COOKIE_DAYS),
    },
    AuthService,
    AdminBootstrapService,
    AuthResolver,
    UserAdminService,
    UserAdminResolver,
    SignInStrategy,
    LocalStrategy,
    // Order matters: who is calling is settled before what they may do.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  // SignInStrategy: for the module of another identity source (OMERO) to claim sign-in.
  exports: [AuthService, UsersService, SignInStrategy],
})
export class AuthModule {}

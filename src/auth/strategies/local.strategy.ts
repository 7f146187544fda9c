import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import type { AuthUser } from '../auth-user.js';
import { AuthService } from '../auth.service.js';

/** Username and password from the JSON body of POST /api/auth/login. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ passReqToCallback: true });
  }

  validate(req: Request, username: string, password: string): Promise<AuthUser> {
    return this.auth.validateCredentials(req, username, password);
  }
}

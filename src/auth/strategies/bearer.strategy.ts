import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import type { AuthUser } from '../auth-user.js';
import { AuthService } from '../auth.service.js';

/** `Authorization: Bearer <access token or API token>` on every protected HTTP route. */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  validate(token: string): Promise<AuthUser> {
    return this.auth.authenticateBearer(token);
  }
}

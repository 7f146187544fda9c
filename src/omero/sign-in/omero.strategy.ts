import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import type { AuthUser } from '../../auth/auth-user.js';
import { OMERO_SIGN_IN, OmeroSignInService } from './omero-sign-in.service.js';

/** OMERO username and password from the JSON body of POST /api/auth/login, when OMERO signs people in. */
@Injectable()
export class OmeroStrategy extends PassportStrategy(Strategy, OMERO_SIGN_IN) {
  constructor(private readonly omeroSignIn: OmeroSignInService) {
    super({ passReqToCallback: true });
  }

  validate(req: Request, username: string, password: string): Promise<AuthUser> {
    return this.omeroSignIn.signIn(req, username, password);
  }
}

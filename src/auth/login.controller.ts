import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import type { AuthUser } from './auth-user.js';
import { AuthService, type LoginResult } from './auth.service.js';
import { CurrentUser, Public } from './decorators.js';
import { LoginGuard } from './guards/login.guard.js';

@Controller('api/auth')
export class LoginController {
  constructor(private readonly auth: AuthService) {}

  /** JSON {username, password} in; {accessToken, expiresIn, user} out (see CONTRACT.md). */
  @Post('login')
  @Public()
  @UseGuards(LoginGuard)
  @HttpCode(200)
  login(@CurrentUser() user: AuthUser): Promise<LoginResult> {
    return this.auth.login(user);
  }
}

import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthUser } from './auth-user.js';
import { AuthService, type LoginResult } from './auth.service.js';
import { CurrentUser, Public } from './decorators.js';
import { DEVICE_COOKIE, DeviceCookies } from './device-cookies.js';
import { LoginGuard } from './guards/login.guard.js';

@Controller('api/auth')
export class LoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly deviceCookies: DeviceCookies,
  ) {}

  /**
   * JSON {username, password} in; {accessToken, expiresIn, user} out (see docs/api.md, "Signing in"), and a
   * fresh device cookie for the username as typed (LoginGuard has checked it is a string), so
   * that this browser's later attempts are not refused because of failures elsewhere. Clients
   * without cookies sign in just the same.
   */
  @Post('login')
  @Public()
  @UseGuards(LoginGuard)
  @HttpCode(200)
  async login(
    @CurrentUser() user: AuthUser,
    @Body('username') username: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<LoginResult> {
    const result = await this.auth.login(user);
    response.cookie(DEVICE_COOKIE, this.deviceCookies.issue(username), this.deviceCookies.options(request));
    return result;
  }
}

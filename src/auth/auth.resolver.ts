import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AppError, ErrorCode } from '../common/errors/app-error.js';
import { ApiTokensService } from './api-tokens.service.js';
import type { AuthUser } from './auth-user.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, Roles } from './decorators.js';
import { ChangePasswordInput } from './dto/change-password.input.js';
import { CreateApiTokenArgs } from './dto/create-api-token.args.js';
import { CreateUserInput } from './dto/create-user.input.js';
import { ApiTokenModel, CreatedApiTokenModel } from './models/api-token.model.js';
import { UserModel } from './models/user.model.js';
import { SignInStrategy } from './sign-in-strategy.js';
import { rolesOf } from './user.entity.js';
import { UsersService } from './users.service.js';

@Resolver()
export class AuthResolver {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: ApiTokensService,
    private readonly auth: AuthService,
    private readonly signInStrategy: SignInStrategy,
  ) {}

  @Query(() => UserModel, { description: 'The signed-in user.' })
  me(@CurrentUser() user: AuthUser): UserModel {
    return { id: user.id, username: user.username, roles: user.roles };
  }

  @Mutation(() => UserModel, { description: 'Administrators only.' })
  @Roles('admin')
  async createUser(@Args('input') input: CreateUserInput): Promise<UserModel> {
    if (!this.signInStrategy.isLocal) {
      throw new AppError(
        ErrorCode.BAD_USER_INPUT,
        'People sign in with their OMERO accounts here: an account is made at its first sign-in, so there is none to create.',
      );
    }
    const user = await this.users.create(input);
    return { id: user.id, username: user.username, roles: rolesOf(user) };
  }

  @Mutation(() => Boolean, { description: "Changes the caller's password." })
  async changePassword(@CurrentUser() user: AuthUser, @Args('input') input: ChangePasswordInput): Promise<boolean> {
    await this.auth.changePassword(user, input.currentPassword, input.newPassword);
    return true;
  }

  @Query(() => [ApiTokenModel], { description: "The caller's API tokens, newest first, revoked ones included." })
  apiTokens(@CurrentUser() user: AuthUser): Promise<ApiTokenModel[]> {
    return this.tokens.list(user.id);
  }

  @Mutation(() => CreatedApiTokenModel)
  createApiToken(@CurrentUser() user: AuthUser, @Args() { name }: CreateApiTokenArgs): Promise<CreatedApiTokenModel> {
    return this.tokens.create(user.id, name.trim());
  }

  @Mutation(() => Boolean, { description: 'Revokes one of your API tokens; it stops working at once.' })
  async revokeApiToken(@CurrentUser() user: AuthUser, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    await this.tokens.revoke(user.id, id);
    return true;
  }
}

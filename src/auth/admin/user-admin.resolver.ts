import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { BulkIdsArgs, forEachId } from '../../common/paging/bulk.js';
import { BulkResult, PageInput } from '../../common/paging/page.input.js';
import type { AuthUser } from '../auth-user.js';
import { CurrentUser, Roles } from '../decorators.js';
import {
  ApiTokenFilter,
  ApiTokenSort,
  ResetPasswordArgs,
  UserAccountModel,
  UserAccountPage,
  UserApiTokenPage,
  UserFilter,
  UserSort,
} from './user-admin.models.js';
import { UserAdminService } from './user-admin.service.js';

/** Accounts and API tokens, for administrators (createUser stays in AuthResolver). */
@Resolver()
@Roles('admin')
export class UserAdminResolver {
  constructor(private readonly admin: UserAdminService) {}

  @Query(() => UserAccountPage, { description: 'Administrators only: every account, a page at a time.' })
  adminUsers(
    @Args('page', { type: () => PageInput, defaultValue: new PageInput() }) page: PageInput,
    @Args('sort', { type: () => UserSort, defaultValue: new UserSort() }) sort: UserSort,
    @Args('filter', { type: () => UserFilter, nullable: true }) filter?: UserFilter,
  ) {
    return this.admin.list(page, sort, filter ?? {});
  }

  @Mutation(() => UserAccountModel, {
    description:
      "Administrators only: disables an account (its sign-in, tokens and open connections stop at once) or enables it again. Not one's own.",
  })
  setUserDisabled(
    @CurrentUser() actor: AuthUser,
    @Args('id', { type: () => ID }) id: string,
    @Args('disabled') disabled: boolean,
  ): Promise<UserAccountModel> {
    return this.admin.setDisabled(actor, id, disabled);
  }

  @Mutation(() => UserAccountModel, {
    description:
      "Administrators only: grants or takes the administrator role (not one's own); refused with OMERO, whose roles rule.",
  })
  setUserAdmin(
    @CurrentUser() actor: AuthUser,
    @Args('id', { type: () => ID }) id: string,
    @Args('admin') admin: boolean,
  ): Promise<UserAccountModel> {
    return this.admin.setAdmin(actor, id, admin);
  }

  @Mutation(() => UserAccountModel, {
    description: "Administrators only: sets a user's password; refused with OMERO, whose passwords rule.",
  })
  resetUserPassword(@Args() { id, password }: ResetPasswordArgs): Promise<UserAccountModel> {
    return this.admin.resetPassword(id, password);
  }

  @Query(() => UserApiTokenPage, {
    description: "Administrators only: everyone's API tokens with their last use, newest first by default.",
  })
  adminApiTokens(
    @Args('page', { type: () => PageInput, defaultValue: new PageInput() }) page: PageInput,
    @Args('sort', { type: () => ApiTokenSort, defaultValue: new ApiTokenSort() }) sort: ApiTokenSort,
    @Args('filter', { type: () => ApiTokenFilter, nullable: true }) filter?: ApiTokenFilter,
  ) {
    return this.admin.listTokens(page, sort, filter ?? {});
  }

  @Mutation(() => [BulkResult], {
    description: "Administrators only: revokes anyone's API tokens; each stops working at once.",
  })
  revokeApiTokens(@Args() { ids }: BulkIdsArgs): Promise<BulkResult[]> {
    return forEachId(ids, (id) => this.admin.revokeToken(id));
  }
}

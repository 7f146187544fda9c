import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageOf, SortDirection, SortOf } from '../../common/paging/page.input.js';
import { ApiTokenModel } from '../models/api-token.model.js';
import { UserModel } from '../models/user.model.js';

@ObjectType('UserAccount', { description: 'A user as administrators see and manage it.' })
export class UserAccountModel extends UserModel {
  @Field({ description: 'A disabled user cannot sign in, and their tokens stop working at once.' })
  disabled: boolean;

  @Field({ description: 'True for accounts of OMERO users, who sign in with their OMERO password.' })
  omeroAccount: boolean;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastLoginAt: Date | null;
}

export const UserAccountPage = PageOf(UserAccountModel, 'UserAccountPage');

export enum UserSortField {
  USERNAME = 'lower(username)',
  CREATED_AT = 'created_at',
  LAST_LOGIN_AT = 'last_login_at',
}
registerEnumType(UserSortField, { name: 'UserSortField' });
export const UserSort = SortOf(UserSortField, 'UserSort', UserSortField.USERNAME, SortDirection.ASC);
export type UserSort = InstanceType<typeof UserSort>;

@InputType({ description: 'Every field given must match.' })
export class UserFilter {
  @Field(() => [ID], { nullable: true, description: 'Only these users (what react-admin getMany asks for).' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'ids must be user ids' })
  ids?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Part of the username, regardless of case.' })
  @IsOptional()
  @MaxLength(64)
  username?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Administrators (true) or the others (false).' })
  @IsOptional()
  @IsBoolean()
  admin?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean | null;
}

@ArgsType()
export class ResetPasswordArgs {
  @Field(() => ID)
  @IsString()
  id: string;

  @Field({ description: 'The new password, to hand to its owner.' })
  @MinLength(8, { message: 'password must be at least 8 characters long' })
  @MaxLength(1024, { message: 'password must be at most 1024 characters long' })
  password: string;
}

@ObjectType('UserApiToken', { description: "An API token with its owner, as administrators see everyone's." })
export class UserApiTokenModel extends ApiTokenModel {
  @Field(() => ID)
  userId: string;

  @Field()
  username: string;
}

export const UserApiTokenPage = PageOf(UserApiTokenModel, 'UserApiTokenPage');

export enum ApiTokenSortField {
  CREATED_AT = 't.created_at',
  LAST_USED_AT = 't.last_used_at',
  NAME = 't.name',
}
registerEnumType(ApiTokenSortField, { name: 'ApiTokenSortField' });
export const ApiTokenSort = SortOf(ApiTokenSortField, 'ApiTokenSort', ApiTokenSortField.CREATED_AT);
export type ApiTokenSort = InstanceType<typeof ApiTokenSort>;

@InputType({ description: 'Every field given must match.' })
export class ApiTokenFilter {
  @Field(() => [ID], { nullable: true, description: 'Only these tokens.' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'ids must be API token ids' })
  ids?: string[] | null;

  @Field(() => ID, { nullable: true, description: "This user's tokens." })
  @IsOptional()
  @IsUUID('all', { message: 'userId must be a user id' })
  userId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Live tokens (true) or revoked ones (false).' })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;
}

import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength, MinLength } from 'class-validator';

@InputType()
export class ChangePasswordInput {
  @Field()
  @IsString()
  currentPassword: string;

  @Field()
  @MinLength(8, { message: 'newPassword must be at least 8 characters long' })
  @MaxLength(1024, { message: 'newPassword must be at most 1024 characters long' })
  newPassword: string;
}

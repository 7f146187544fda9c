import { Field, InputType } from '@nestjs/graphql';
import { IsBoolean, IsOptional, Matches, MaxLength, MinLength } from 'class-validator';

@InputType()
export class CreateUserInput {
  @Field()
  @Matches(/^[A-Za-z0-9._@-]{2,64}$/, {
    message: 'username must be 2 to 64 letters, digits or . _ @ -',
  })
  username: string;

  @Field()
  @MinLength(8, { message: 'password must be at least 8 characters long' })
  @MaxLength(1024, { message: 'password must be at most 1024 characters long' })
  password: string;

  @Field({ defaultValue: false, description: 'Make the new user an administrator.' })
  @IsOptional()
  @IsBoolean()
  admin: boolean;
}

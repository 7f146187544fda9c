import { ArgsType, Field } from '@nestjs/graphql';
import { Matches } from 'class-validator';

@ArgsType()
export class CreateApiTokenArgs {
  @Field({ description: 'What the token is for, e.g. "nightly import script".' })
  @Matches(/^(?=.*\S)[^\p{Cc}]{1,100}$/u, { message: 'name must be 1 to 100 printable characters' })
  name: string;
}

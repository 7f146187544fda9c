import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('User')
export class UserModel {
  @Field(() => ID)
  id: string;

  @Field()
  username: string;

  @Field(() => [String], { description: '"user" for everyone; "admin" as well for administrators.' })
  roles: string[];
}

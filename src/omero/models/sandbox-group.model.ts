import { Field, ID, ObjectType } from '@nestjs/graphql';

/** A group of the sandbox OMERO as an administrator sees it: every one, whoever its members are. */
@ObjectType('SandboxGroup')
export class SandboxGroupModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: "Whether members may import into each other's datasets and screens." })
  readWrite: boolean;

  @Field(() => [String], { description: 'Usernames of its members, sorted.' })
  members: string[];
}

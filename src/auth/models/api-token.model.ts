import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('ApiToken', { description: 'A token for integrators; its secret is shown only when created.' })
export class ApiTokenModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: 'The first characters of the token, to tell tokens apart.' })
  tokenPrefix: string;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType('CreatedApiToken')
export class CreatedApiTokenModel {
  @Field({ description: 'The secret: send it as "Authorization: Bearer <token>". It is not shown again.' })
  token: string;

  @Field(() => ApiTokenModel)
  apiToken: ApiTokenModel;
}

import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('OmeroImage', { description: 'An image an import created in OMERO (or the sandbox).' })
export class OmeroImageModel {
  @Field(() => ID)
  id: string;

  @Field(() => String, {
    nullable: true,
    description: 'Opens the image in OMERO.web (a new tab); null in the sandbox, which has no OMERO.web.',
  })
  webUrl: string | null;
}

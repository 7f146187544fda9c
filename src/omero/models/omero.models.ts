import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ImportTargetType } from '../omero-gateway.port.js';

/** The GraphQL enum of ImportTargetType: its names are its values. */
export const ImportTargetTypeEnum = ImportTargetType;
export type ImportTargetTypeEnum = ImportTargetType;
registerEnumType(ImportTargetTypeEnum, {
  name: 'ImportTargetType',
  description: 'Images go into a DATASET; plates (HCS formats) into a SCREEN.',
});

@ObjectType('OmeroGroup')
export class OmeroGroupModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: 'True when the sandbox OMERO stands in for a real server.' })
  sandbox: boolean;
}

@ObjectType('ImportTarget')
export class ImportTargetModel {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => ImportTargetTypeEnum)
  type: ImportTargetTypeEnum;

  @Field(() => ID)
  groupId: string;

  @Field(() => String, { nullable: true, description: "The dataset's project, if any." })
  projectName: string | null;

  @Field({ description: 'Whether you may import into it.' })
  canLink: boolean;

  @Field({ description: 'True when the sandbox OMERO stands in for a real server.' })
  sandbox: boolean;
}

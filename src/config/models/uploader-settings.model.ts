import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum NamingPolicyEnum {
  KEEP = 'keep',
  INCREMENT = 'increment',
  RANDOM_SUFFIX = 'random-suffix',
}
registerEnumType(NamingPolicyEnum, {
  name: 'NamingPolicy',
  description:
    'How a completed upload is named in its owner\'s folder: KEEP the (sanitised) name, INCREMENT it ("name-0001.tif"), or add a RANDOM_SUFFIX.',
});

export enum CollisionPolicyEnum {
  RENAME = 'rename',
  ERROR = 'error',
  OVERWRITE = 'overwrite',
}
registerEnumType(CollisionPolicyEnum, {
  name: 'CollisionPolicy',
  description:
    'What happens when that name is taken: RENAME ("name (1).tif"), refuse the upload with an ERROR at creation, or OVERWRITE the older file.',
});

@ObjectType('UploaderSettings')
export class UploaderSettingsModel {
  @Field(() => Float, { description: 'Largest accepted file, in bytes.' })
  maxFileSizeBytes: number;

  @Field(() => [String], { description: 'Accepted extensions, lower case, without the dot ("ome.tiff").' })
  allowedExtensions: string[];

  @Field(() => Float, { description: 'Bytes clients should send per PATCH.' })
  chunkSizeBytes: number;

  @Field({ description: 'Queue the import as soon as an upload with a target completes.' })
  autoImport: boolean;

  @Field(() => Int, { description: 'Hours after creation when an unfinished upload is deleted.' })
  uploadExpiryHours: number;

  @Field(() => NamingPolicyEnum)
  namingPolicy: NamingPolicyEnum;

  @Field(() => CollisionPolicyEnum)
  collisionPolicy: CollisionPolicyEnum;
}

import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('ReceivedBytes', {
  description:
    'The bytes of an unfinished upload the server holds, read at one moment: how many, and their sha256. A client resuming the upload from another browser hashes the same first offsetBytes bytes of the file it was given and continues only if the two match.',
})
export class ReceivedBytesModel {
  @Field(() => Float, {
    description:
      'How many bytes sha256 covers: the first offsetBytes bytes of the file. While bytes are arriving it may be a little behind Upload.offsetBytes, which is read separately.',
  })
  offsetBytes: number;

  @Field({ description: 'Hex sha256 of those bytes (of nothing, when offsetBytes is 0).' })
  sha256: string;
}

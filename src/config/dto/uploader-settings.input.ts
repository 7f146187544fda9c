import { Field, Float, InputType, Int } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsBoolean, IsEnum, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CollisionPolicyEnum, NamingPolicyEnum } from '../models/uploader-settings.model.js';

const MIB = 1024 * 1024;

@InputType({ description: 'Only the fields given change.' })
export class UploaderSettingsInput {
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsInt({ message: 'maxFileSizeBytes must be a whole number of bytes' })
  @Min(1, { message: 'maxFileSizeBytes must be at least 1' })
  // Past 2^53 a GraphQL Float no longer holds every whole number, and the column (bigint) ends
  // near 2^63: bound it here so a huge value is the caller's mistake, not a database failure.
  @Max(Number.MAX_SAFE_INTEGER, { message: 'maxFileSizeBytes must be at most 9007199254740991 (8 PiB)' })
  maxFileSizeBytes?: number;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? value.map((ext) => String(ext).trim().toLowerCase().replace(/^\./, '')) : value,
  )
  @ArrayNotEmpty({ message: 'allowedExtensions must list at least one extension' })
  @ArrayMaxSize(200)
  @Matches(/^[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}$/, {
    each: true,
    message: 'each allowed extension must be like "tif" or "ome.tiff"',
  })
  allowedExtensions?: string[];

  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsInt({ message: 'chunkSizeBytes must be a whole number of bytes' })
  @Min(MIB, { message: 'chunkSizeBytes must be at least 1 MiB (1048576)' })
  @Max(1024 * MIB, { message: 'chunkSizeBytes must be at most 1 GiB (1073741824)' })
  chunkSizeBytes?: number;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  autoImport?: boolean;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(1, { message: 'uploadExpiryHours must be at least 1' })
  @Max(24 * 365, { message: 'uploadExpiryHours must be at most 8760 (a year)' })
  uploadExpiryHours?: number;

  @Field(() => NamingPolicyEnum, { nullable: true })
  @IsOptional()
  @IsEnum(NamingPolicyEnum)
  namingPolicy?: NamingPolicyEnum;

  @Field(() => CollisionPolicyEnum, { nullable: true })
  @IsOptional()
  @IsEnum(CollisionPolicyEnum)
  collisionPolicy?: CollisionPolicyEnum;
}

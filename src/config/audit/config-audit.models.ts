import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, IsOptional, IsUUID, MaxLength } from 'class-validator';
import { PageOf, SortOf } from '../../common/paging/page.input.js';

/** What was changed: a feature flag, or one field of the uploader settings. */
export const AuditKind = { FLAG: 'flag', SETTING: 'setting' } as const;
export type AuditKind = (typeof AuditKind)[keyof typeof AuditKind];
registerEnumType(AuditKind, { name: 'AuditKind' });

@ObjectType('AuditEntry', { description: 'One change to a feature flag or an uploader setting.' })
export class AuditEntryModel {
  @Field(() => ID)
  id: string;

  @Field()
  changedAt: Date;

  @Field(() => ID, { nullable: true, description: 'The administrator who changed it; null once deleted.' })
  changedBy: string | null;

  @Field({ description: 'Their username when they changed it.' })
  changedByUsername: string;

  @Field(() => AuditKind)
  kind: AuditKind;

  @Field({ description: 'The flag\'s key, or the setting\'s field of UploaderSettings ("maxFileSizeBytes").' })
  key: string;

  @Field(() => String, { nullable: true, description: 'The value before, as JSON ("true", "1048576", \'["tif"]\').' })
  oldValue: string | null;

  @Field(() => String, { nullable: true, description: 'The value after, as JSON.' })
  newValue: string | null;
}

export const AuditEntryPage = PageOf(AuditEntryModel, 'AuditEntryPage');

export enum AuditEntrySortField {
  CHANGED_AT = 'changed_at',
  KEY = 'key',
}
registerEnumType(AuditEntrySortField, { name: 'AuditEntrySortField' });

export const AuditEntrySort = SortOf(AuditEntrySortField, 'AuditEntrySort', AuditEntrySortField.CHANGED_AT);
export type AuditEntrySort = InstanceType<typeof AuditEntrySort>;

@InputType({ description: 'Every field given must match.' })
export class AuditEntryFilter {
  @Field(() => AuditKind, { nullable: true })
  @IsOptional()
  @IsEnum(AuditKind)
  kind?: AuditKind | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(64)
  key?: string | null;

  @Field(() => ID, { nullable: true, description: 'The id of the administrator who made the change.' })
  @IsOptional()
  @IsUUID('all', { message: 'changedBy must be a user id' })
  changedBy?: string | null;

  @Field(() => Date, { nullable: true, description: 'Changes at or after this time.' })
  @IsOptional()
  changedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Changes before this time.' })
  @IsOptional()
  changedTo?: Date | null;
}

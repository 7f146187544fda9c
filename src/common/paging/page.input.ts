import { Field, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsEnum, Max, Min } from 'class-validator';

/** The largest page any admin list answers, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 500;

/**
 * Which slice of an admin list to answer. Offsets, not cursors: react-admin pages by number and
 * jumps to any page, and the lists are ordered by an indexed column (see the migration
 * AdminListIndexes), so a deep offset costs an index walk, not a sort.
 */
@InputType({ description: `A page of an admin list: \`limit\` items (1 to ${MAX_PAGE_SIZE}) after \`offset\`.` })
export class PageInput {
  @Field(() => Int, { defaultValue: 25 })
  @Min(1, { message: `page.limit must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `page.limit must be between 1 and ${MAX_PAGE_SIZE}` })
  limit: number = 25;

  @Field(() => Int, { defaultValue: 0 })
  @Min(0, { message: 'page.offset must be 0 or more' })
  offset: number = 0;
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

/**
 * Declares `<name> { field: <Fields> = <byDefault>, direction: SortDirection = <directionByDefault> }`. The
 * enum's names are what clients send, its values the column each sorts by.
 */
export function SortOf<F extends string>(
  fields: Record<string, F>,
  name: string,
  byDefault: F,
  directionByDefault = SortDirection.DESC,
) {
  @InputType(name)
  class Sort {
    @Field(() => fields, { defaultValue: byDefault })
    @IsEnum(fields)
    field: F = byDefault;

    @Field(() => SortDirection, { defaultValue: directionByDefault })
    @IsEnum(SortDirection)
    direction: SortDirection = directionByDefault;
  }
  return Sort;
}

/** A page's items and how many there are in all under the same filter, as react-admin's lists need. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** Declares `<Name>Page { items: [Item!]! total: Int! }` for one item type. */
export function PageOf<T>(item: new () => T, name: string) {
  @ObjectType(name, { isAbstract: false, description: 'One page of a list, and the size of the whole list.' })
  class PageModel implements Page<T> {
    @Field(() => [item])
    items: T[];

    @Field(() => Int, { description: 'How many items the whole list holds under the same filter.' })
    total: number;
  }
  return PageModel;
}

/** What a bulk action did to each id it was given, in the order given. */
@ObjectType('BulkResult')
export class BulkResult {
  @Field(() => String, { description: 'The id given.' })
  id: string;

  @Field({ description: 'Whether the action was done for this id.' })
  ok: boolean;

  @Field(() => String, { nullable: true, description: 'Why not: an error code (NOT_FOUND, CONFLICT, …).' })
  code: string | null;

  @Field(() => String, { nullable: true, description: 'Why not, for people.' })
  message: string | null;
}

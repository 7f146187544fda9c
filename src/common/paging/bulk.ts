import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayNotEmpty, IsString } from 'class-validator';
import { AppError } from '../errors/app-error.js';
import { type BulkResult, MAX_PAGE_SIZE } from './page.input.js';

@ArgsType()
export class BulkIdsArgs {
  @Field(() => [ID], { description: `The ids to act on: 1 to ${MAX_PAGE_SIZE}, a page's worth.` })
  @ArrayNotEmpty({ message: 'ids must name at least one id' })
  @ArrayMaxSize(MAX_PAGE_SIZE, { message: `ids may name at most ${MAX_PAGE_SIZE} ids at once` })
  @IsString({ each: true })
  ids: string[];
}

/**
 * Runs `action` for each id in turn (one at a time: each is a short transaction of its own, and
 * a bulk action must not take every connection of the pool). An id the action refuses is reported
 * with the refusal's code and message and the rest go on; any other failure ends the whole call,
 * as it would end a single action.
 */
export async function forEachId(ids: string[], action: (id: string) => Promise<unknown>): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of new Set(ids)) {
    try {
      await action(id);
      results.push({ id, ok: true, code: null, message: null });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results.push({ id, ok: false, code: error.code, message: error.message });
    }
  }
  return results;
}

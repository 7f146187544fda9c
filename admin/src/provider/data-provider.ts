import { HttpError, type DataProvider, type GetListParams, type Identifier, type RaRecord } from 'react-admin';
import { GraphqlError } from '../../../web/src/api/graphql.js';
import type { BulkResult, ResourceSpec } from './resource-spec.js';

class Unsupported extends Error {
  constructor(resource: string, what: string) {
    super(`This app cannot ${what} ${resource}.`);
  }
}

function matches(record: RaRecord, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, wanted]) => {
    if (wanted === undefined || wanted === '') return true;
    if (field === 'q') {
      const needle = String(wanted).toLowerCase();
      return Object.values(record).some((value) => typeof value === 'string' && value.toLowerCase().includes(needle));
    }
    return record[field] === wanted;
  });
}

/** Sorting, filtering and paging of a whole list, done here (see ResourceSpec.all). */
function pageOf(records: RaRecord[], { filter, sort, pagination }: GetListParams) {
  const kept = records.filter((record) => matches(record, filter ?? {}));
  if (sort?.field) {
    const direction = sort.order === 'DESC' ? -1 : 1;
    kept.sort((a, b) => {
      const [x, y] = [a[sort.field], b[sort.field]];
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });
  }
  const { page, perPage } = pagination ?? { page: 1, perPage: kept.length };
  return { data: kept.slice((page - 1) * perPage, page * perPage), total: kept.length };
}

/** The provider's method for a spec's `actions`: `{ data }` says, id by id, what was done. */
export type BulkMethod = (
  resource: string,
  params: { action: string; ids: Identifier[] },
) => Promise<{ data: BulkResult[] }>;

/**
 * react-admin's data provider over our GraphQL operations, for every resource in `specs`.
 * Bulk methods run the single ones record by record: our mutations act on one object.
 */
export function graphqlDataProvider(specs: Record<string, ResourceSpec>): DataProvider {
  const spec = (resource: string): ResourceSpec => {
    const found = specs[resource];
    if (!found) throw new Unsupported(resource, 'show');
    return found;
  };
  const one = async (resource: string, id: Identifier): Promise<RaRecord> => {
    const { one: read, all } = spec(resource);
    if (read) return read(id);
    if (!all) throw new Unsupported(resource, 'show one of');
    const found = (await all()).find((record) => String(record.id) === String(id));
    if (!found) throw new HttpError(`No ${resource} with the id ${id}: it may have been deleted.`, 404);
    return found;
  };
  const need = <K extends keyof ResourceSpec>(resource: string, method: K, what: string) => {
    const implementation = spec(resource)[method];
    if (!implementation) throw new Unsupported(resource, what);
    return implementation as NonNullable<ResourceSpec[K]>;
  };

  const provider: DataProvider = {
    getList: async (resource, params) => {
      const { page, all } = spec(resource);
      if (page) return page(params);
      if (all) return pageOf(await all(), params);
      throw new Unsupported(resource, 'list');
    },
    getOne: async (resource, { id }) => ({ data: await one(resource, id) }),
    getMany: async (resource, { ids }) => {
      const { many } = spec(resource);
      return { data: many ? await many(ids) : await Promise.all(ids.map((id) => one(resource, id))) };
    },
    getManyReference: async (resource, params) => {
      const { target, id, filter } = params;
      return provider.getList(resource, { ...params, filter: { ...filter, [target]: id } });
    },
    update: async (resource, { id, data, previousData }) => ({
      data: await need(resource, 'update', 'change')(id, data, previousData),
    }),
    updateMany: async (resource, { ids, data }) => {
      const update = need(resource, 'update', 'change');
      for (const id of ids) await update(id, data, await one(resource, id));
      return { data: ids };
    },
    create: async (resource, { data }) => ({ data: await need(resource, 'create', 'create')(data) }),
    delete: async (resource, { id }) => ({ data: await need(resource, 'delete', 'delete')(id) }),
    deleteMany: async (resource, { ids }) => {
      const bulk = spec(resource).deleteMany;
      if (bulk) return { data: await bulk(ids) };
      const remove = need(resource, 'delete', 'delete');
      for (const id of ids) await remove(id);
      return { data: ids };
    },
    bulk: async (resource: string, { action, ids }: { action: string; ids: Identifier[] }) => {
      const run = spec(resource).actions?.[action];
      if (!run) throw new Unsupported(resource, action);
      return { data: await run(ids) };
    },
  } as DataProvider;
  return provider;
}

/**
 * Decorates a provider so that the server's refusals reach the page as react-admin expects
 * them: a BAD_USER_INPUT message that begins with a field's name ("chunkSizeBytes must be at
 * least 1 MiB") shows under that field of the form as well as in the notification; everything
 * else keeps its message and GraphQL code (which the auth provider's checkError reads).
 */
export function withServerValidation(provider: DataProvider): DataProvider {
  const translate = (error: unknown): never => {
    if (error instanceof GraphqlError && error.code === 'BAD_USER_INPUT') {
      // Fields are camelCase: a sentence ("There is no user …") names none.
      const field = /^([a-z][a-zA-Z]*) /.exec(error.message)?.[1];
      throw new HttpError(error.message, 400, field ? { errors: { [field]: error.message } } : undefined);
    }
    throw error;
  };
  return new Proxy(provider, {
    get(target, method: string) {
      const original = target[method];
      if (typeof original !== 'function') return original;
      return (...args: unknown[]) => (original as (...a: unknown[]) => Promise<unknown>)(...args).catch(translate);
    },
  });
}

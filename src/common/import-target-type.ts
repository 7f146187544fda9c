/**
 * Where an import goes: images into a DATASET, plates (HCS formats) into a SCREEN. The one
 * definition: the uploads table (an upload may name its target), the import jobs, the OMERO
 * port and the GraphQL enum ImportTargetType use it. It lives down here because uploads,
 * which know nothing of OMERO, record it too.
 */
export const ImportTargetType = { DATASET: 'DATASET', SCREEN: 'SCREEN' } as const;
export type ImportTargetType = (typeof ImportTargetType)[keyof typeof ImportTargetType];

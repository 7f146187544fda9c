import type { ImportTargetType } from '../api/operations.js';

/** The last target chosen, per browser (not secret: ids only). */
const STORAGE_KEY = 'omero-uploader.target';

export interface TargetChoice {
  groupId: string;
  type: ImportTargetType;
  targetId?: string;
}

export function rememberedTarget(): TargetChoice | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as TargetChoice | null;
    return value?.groupId && (value.type === 'DATASET' || value.type === 'SCREEN') ? value : undefined;
  } catch {
    return undefined;
  }
}

export function rememberTarget(choice: TargetChoice): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(choice));
}

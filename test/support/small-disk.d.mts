export interface SmallDisk {
  free(): number;
  fillLeaving(leaveBytes: number): Promise<void>;
  exhaustInodes(): number;
  empty(): void;
  unmount(): void;
}

export function mountSmallDisk(dir: string, options?: { sizeMib?: number; inodes?: number }): SmallDisk;

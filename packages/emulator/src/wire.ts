import type { RegionWire } from "./regions";

/** Objects exactly as the emulator sends them: snake_case, the spec's field names. */

export type ImageStatus = "NEW" | "pending" | "available" | "deleted" | "retired";

export interface ImageWire {
  id: number;
  name: string;
  type: "custom" | "snapshot";
  distribution: string;
  slug: string | null;
  public: boolean;
  regions: string[];
  created_at: string;
  min_disk_size: number | null;
  size_gigabytes: number | null;
  description: string;
  tags: string[];
  status: ImageStatus;
  error_message: string;
}

/** The 202 of an import: the image without `slug`, `public`, `min_disk_size` and `size_gigabytes`. */
export type ImportAcceptedWire = Omit<ImageWire, "slug" | "public" | "min_disk_size" | "size_gigabytes">;

export interface ActionWire {
  id: number;
  status: "in-progress" | "completed" | "errored";
  type: string;
  started_at: string;
  completed_at: string | null;
  resource_id: number;
  resource_type: "image";
  /** Absent, and `region_slug` null, when the emulator is told transfers name no region (`transferRegion: "none"`). */
  region?: RegionWire;
  region_slug: string | null;
}

interface TaggedCount {
  count: number;
  last_tagged_uri?: string;
}

export interface TagWire {
  name: string;
  resources: TaggedCount & {
    droplets: TaggedCount;
    images: TaggedCount;
    volumes: TaggedCount;
    volume_snapshots: TaggedCount;
    databases: TaggedCount;
  };
}

/** DigitalOcean's timestamps have whole seconds: `2014-11-14T16:42:45Z`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

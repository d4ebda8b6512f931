/**
 * The regions an image can live in: those DigitalOcean's spec enumerates for `images_create_custom`
 * and those opened since, with the catalogue data that an action's `region` object carries.
 */

import { REGION_SLUGS } from "../../../src/provider/digitalocean-enums";

// One list for the provider and the emulator; test/provider/digitalocean-enums.test.ts checks it against the spec.
export { REGION_SLUGS };

/**
 * Regions DigitalOcean has opened since the spec's enum was written, accepted all the same
 * (Atlanta: https://docs.digitalocean.com/platform/regional-availability/).
 */
export const NEWER_REGION_SLUGS = ["atl1"] as const;

export type RegionSlug = (typeof REGION_SLUGS)[number] | (typeof NEWER_REGION_SLUGS)[number];

const ALL_REGION_SLUGS: readonly string[] = [...REGION_SLUGS, ...NEWER_REGION_SLUGS];

/** The `region` object embedded in actions (spec: `region`, all five fields required). */
export interface RegionWire {
  name: string;
  slug: string;
  features: string[];
  available: boolean;
  sizes: string[];
}

const NAMES: Record<RegionSlug, string> = {
  ams1: "Amsterdam 1",
  ams2: "Amsterdam 2",
  ams3: "Amsterdam 3",
  blr1: "Bangalore 1",
  fra1: "Frankfurt 1",
  lon1: "London 1",
  nyc1: "New York 1",
  nyc2: "New York 2",
  nyc3: "New York 3",
  sfo1: "San Francisco 1",
  sfo2: "San Francisco 2",
  sfo3: "San Francisco 3",
  sgp1: "Singapore 1",
  tor1: "Toronto 1",
  syd1: "Sydney 1",
  atl1: "Atlanta 1",
};

const FEATURES = ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"];
const SIZES = ["s-1vcpu-512mb-10gb", "s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"];

export function isRegionSlug(value: string): value is RegionSlug {
  return ALL_REGION_SLUGS.includes(value);
}

export function regionWire(slug: string): RegionWire {
  return { name: isRegionSlug(slug) ? NAMES[slug] : slug, slug, features: [...FEATURES], available: true, sizes: [...SIZES] };
}

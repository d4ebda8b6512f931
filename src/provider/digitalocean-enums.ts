/**
 * DigitalOcean's closed vocabularies for custom images, copied from DigitalOcean's OpenAPI
 * description (packages/emulator/digitalocean-openapi/images.openapi.yaml, operation
 * `images_create_custom`). test/provider/digitalocean-enums.test.ts compares these lists with the
 * spec, so refreshing the spec tells us when they drift.
 */

/**
 * Distribution names DigitalOcean accepts when an image is created or updated. Any other value is
 * "accepted but ignored, and `Unknown` will be used in its place"
 * (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Images/operation/images_create_custom),
 * which is why `check` rejects anything else instead of letting it through.
 */
export const DISTRIBUTIONS = [
  "Arch Linux",
  "CentOS",
  "CoreOS",
  "Debian",
  "Fedora",
  "Fedora Atomic",
  "FreeBSD",
  "Gentoo",
  "openSUSE",
  "RancherOS",
  "Rocky Linux",
  "Ubuntu",
  "Unknown",
] as const;

export type Distribution = (typeof DISTRIBUTIONS)[number];

/**
 * A distribution the API reports for images whose distribution is unknown, although the spec's
 * enums omit it (terraform-provider-digitalocean lists it among its valid values:
 * https://github.com/digitalocean/terraform-provider-digitalocean/blob/main/digitalocean/image/resource_custom_image.go).
 * It cannot be sent, since requests are validated against the spec's enum; it means `Unknown`.
 */
export const UNKNOWN_OS = "Unknown OS";

/**
 * Region slugs the spec lists for creating and transferring an image. DigitalOcean opens regions
 * faster than the spec is updated (atl1 is missing, for example), so a slug outside this list is
 * only a warning in `check`.
 */
export const REGION_SLUGS = [
  "ams1",
  "ams2",
  "ams3",
  "blr1",
  "fra1",
  "lon1",
  "nyc1",
  "nyc2",
  "nyc3",
  "sfo1",
  "sfo2",
  "sfo3",
  "sgp1",
  "tor1",
  "syd1",
] as const;

const DISTRIBUTION_BY_FOLDED_NAME = new Map<string, Distribution>([
  ...DISTRIBUTIONS.map((name) => [foldDistribution(name), name] as const),
  [foldDistribution(UNKNOWN_OS), "Unknown"],
]);

function foldDistribution(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The spelling DigitalOcean uses for a distribution name given in any case and with surrounding
 * whitespace (`rocky linux` → `Rocky Linux`), or `undefined` if DigitalOcean does not know it.
 * `Unknown OS` becomes `Unknown`: the value that can be sent, and the one DigitalOcean stores.
 */
export function canonicalDistribution(name: string): Distribution | undefined {
  return DISTRIBUTION_BY_FOLDED_NAME.get(foldDistribution(name));
}

/** Whether two distribution names are one to DigitalOcean: any case, and `Unknown OS` is `Unknown`. */
export function sameDistribution(a: string, b: string): boolean {
  return (canonicalDistribution(a) ?? a) === (canonicalDistribution(b) ?? b);
}

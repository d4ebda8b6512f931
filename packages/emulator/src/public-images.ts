/**
 * DigitalOcean's own images that every account sees: distributions (`images_list?type=distribution`)
 * and 1-click applications (`?type=application`). Both have `type: "snapshot"` on the wire: the
 * spec notes that "DigitalOcean-produced distribution images will have `snapshot` as the type
 * attribute"; the query's `type` is a category, not that attribute.
 */
export interface PublicImageSeed {
  slug: string;
  name: string;
  /** One of the spec's distribution enum values (the real API also says `Unknown OS`; not here). */
  distribution: string;
  category: "distribution" | "application";
  minDiskSize: number;
  sizeGigabytes: number;
  createdAt: string;
  description?: string;
}

const ALL_REGIONS = ["ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"];

export const PUBLIC_IMAGE_REGIONS: readonly string[] = ALL_REGIONS;

export const DEFAULT_PUBLIC_IMAGES: readonly PublicImageSeed[] = [
  {
    slug: "ubuntu-24-04-x64",
    name: "24.04 (LTS) x64",
    distribution: "Ubuntu",
    category: "distribution",
    minDiskSize: 7,
    sizeGigabytes: 2.69,
    createdAt: "2024-04-25T14:55:57Z",
  },
  {
    slug: "ubuntu-22-04-x64",
    name: "22.04 (LTS) x64",
    distribution: "Ubuntu",
    category: "distribution",
    minDiskSize: 7,
    sizeGigabytes: 2.36,
    createdAt: "2022-04-22T16:07:51Z",
  },
  {
    slug: "debian-12-x64",
    name: "12 x64",
    distribution: "Debian",
    category: "distribution",
    minDiskSize: 7,
    sizeGigabytes: 1.28,
    createdAt: "2023-06-12T14:05:39Z",
  },
  {
    slug: "fedora-40-x64",
    name: "40 x64",
    distribution: "Fedora",
    category: "distribution",
    minDiskSize: 7,
    sizeGigabytes: 1.66,
    createdAt: "2024-04-24T18:10:31Z",
  },
  {
    slug: "rockylinux-9-x64",
    name: "9 x64",
    distribution: "Rocky Linux",
    category: "distribution",
    minDiskSize: 10,
    sizeGigabytes: 1.12,
    createdAt: "2022-07-18T20:38:56Z",
  },
  {
    slug: "centos-stream-9-x64",
    name: "Stream 9 x64",
    distribution: "CentOS",
    category: "distribution",
    minDiskSize: 10,
    sizeGigabytes: 1.43,
    createdAt: "2022-03-08T19:41:05Z",
  },
  {
    slug: "docker-20-04",
    name: "Docker on Ubuntu 22.04",
    distribution: "Ubuntu",
    category: "application",
    minDiskSize: 25,
    sizeGigabytes: 3.2,
    createdAt: "2023-03-02T12:01:44Z",
    description: "Docker 1-Click App",
  },
  {
    slug: "wordpress-20-04",
    name: "WordPress on Ubuntu 22.04",
    distribution: "Ubuntu",
    category: "application",
    minDiskSize: 25,
    sizeGigabytes: 4.05,
    createdAt: "2023-03-02T12:31:09Z",
    description: "WordPress 1-Click App",
  },
];

/**
 * What makes two tag names the same tag. DigitalOcean tag names are "case stable": the
 * capitalization used when a tag is first created is canonical, and DigitalOcean shows that
 * spelling wherever the tag is used, also when it was applied as `prod` to an existing `PROD`
 * (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Tags). Names differing only in
 * case are therefore one tag, and an image read back may spell a tag differently from the
 * program that set it.
 */
export function tagIdentity(tag: string): string {
  return tag.toLowerCase();
}

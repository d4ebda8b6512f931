import { buildGodoLifecycle, operations, withRealTimeEmulator, type GodoLifecycle } from "../../tools/anchor/godo-lifecycle-runner";

/**
 * The emulator meets the client of `@pulumi/digitalocean`'s CustomImage: godo, at the version
 * terraform-provider-digitalocean vendors, driven through that provider's custom-image lifecycle
 * (the plugin itself cannot be built here: README.md beside this file).
 */

let godo: GodoLifecycle;
beforeAll(async () => {
  godo = await buildGodoLifecycle();
}, 600_000);
afterAll(() => godo?.remove());

it("runs create in 3 regions, rename and redescribe, region added, refresh, a paged listing, delete and a second delete with no request or answer the spec rejects", async () => {
  await withRealTimeEmulator(async (emulator) => {
    const { exitCode, steps } = await godo.run(emulator, ["-regions", "nyc3,sfo3,ams3", "-add-region", "fra1", "-per-page", "2"]);

    expect(steps.filter((step) => step.error)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(steps.map((step) => step.step)).toEqual([
      "create",
      "wait for available",
      "transfer to sfo3",
      "wait for transfer to sfo3",
      "transfer to ams3",
      "wait for transfer to ams3",
      "read after create",
      "update name and description",
      "transfer to fra1",
      "wait for transfer to fra1",
      "refresh",
      "list images, every page",
      "delete",
      "refresh after delete",
      "delete again",
    ]);
    const byName = new Map(steps.map((step) => [step.step, step]));
    expect(byName.get("create")?.image?.status).toBe("NEW");
    expect(byName.get("read after create")?.image?.regions?.sort()).toEqual(["ams3", "nyc3", "sfo3"]);
    expect(byName.get("refresh")?.image).toMatchObject({
      name: "anchor-image-renamed",
      description: "updated by godo",
      status: "available",
    });
    expect(byName.get("refresh")?.image?.regions?.sort()).toEqual(["ams3", "fra1", "nyc3", "sfo3"]);
    expect(byName.get("wait for transfer to fra1")?.action).toMatchObject({
      status: "completed",
      regionSlug: "fra1",
      completedAt: expect.any(String),
    });
    expect(byName.get("refresh after delete")?.image?.status).toBe("deleted");

    expect(operations(emulator)).toEqual([
      "images_create_custom",
      "images_get",
      ...["sfo3", "ams3"].flatMap(() => ["imageActions_post", "actions_get"]),
      "images_get",
      "images_update",
      "imageActions_post",
      "actions_get",
      "images_get",
      "images_list",
      "images_delete",
      "images_get",
      "images_delete",
    ]);
    const pages = emulator.requests.filter((request) => request.operationId === "images_list").map((request) => request.query);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages).toEqual(pages.map((_, index) => ({ page: String(index + 1), per_page: "2" })));
    expect(byName.get("list images, every page")).toMatchObject({ pages: pages.length, listed: expect.any(Number) });
    const update = emulator.requests.find((request) => request.operationId === "images_update");
    expect(update?.body).toEqual({ name: "anchor-image-renamed", distribution: "Unknown", description: "updated by godo" });
    expect(emulator.audit()).toEqual([expect.objectContaining({ name: "anchor-image-renamed", fate: "deleted" })]);
    expect(emulator.duplicates()).toEqual([]);
  });
});

it("hands a failed import to godo as status deleted with an error message it can report", async () => {
  await withRealTimeEmulator(async (emulator) => {
    const { exitCode, steps } = await godo.run(emulator, ["-url", "https://images.example.com/anchor.qcow2.zip", "-regions", "nyc3"]);

    expect(exitCode).toBe(1);
    const last = steps.at(-1);
    expect(last?.step).toBe("wait for available");
    expect(last?.image?.status).toBe("deleted");
    expect(last?.error).toMatch(/^image \d+ failed: \S.*zip/);
    expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "failed" })]);
  });
});

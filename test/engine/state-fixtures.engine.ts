import { accountProblems, customImages, describeEngine, engineFixtures, requestLines } from "../../tools/engine/engine-suite";
import { fillPlaceholders, listStateFixtures, plannedChanges, providerConfigPlan, upgradePlan } from "../../tools/engine/state-fixtures";

const WRITES = /^(POST|PUT|PATCH|DELETE) /;

/**
 * Upgrades never disturb a stack: the state every released version wrote (test/fixtures/state/,
 * `npm run fixtures:state`) is imported into a fresh stack of the package as it is now, against an
 * emulator holding the images that state describes. Preview and refresh then plan exactly what the
 * writing version planned, which for a stack at rest is nothing, besides the CustomImageScope each
 * image of an older state gets (`upgradePlan`) and the default provider's update for config keys
 * its stack did not have (`providerConfigPlan`), and send DigitalOcean no write.
 */
describeEngine("state written by every released version, under this one", () => {
  const fixtures = engineFixtures();

  test.each(listStateFixtures().map((fixture) => [fixture.id, fixture] as const))(
    "%s: imported into a fresh stack, preview and refresh plan what its version planned, without a write or an error",
    async (_id, fixture) => {
      await fixtures.start(fixture.program, { stack: fixture.stack, config: fixture.config, passphrase: fixture.passphrase });
      const { stack, emulator, config } = fixtures.current;
      emulator.restoreImages(fixture.images);
      await stack.importState(fillPlaceholders(fixture.state, config));

      // `--expect-no-changes` fails the preview on any step that is not `same`, providers included.
      const previewPlan = async (plan: string[]) => {
        const result = await stack.preview(plan.length === 0 ? ["--expect-no-changes"] : [], { allowFailure: true });
        return { code: result.code, plan: plannedChanges(result) };
      };
      const providerPlan = providerConfigPlan(fixture.state, config);
      const plan = [...providerPlan, ...upgradePlan(fixture.state, fixture.plan)];
      const planAfterRefresh = [...providerPlan, ...upgradePlan(fixture.state, fixture.planAfterRefresh)];
      expect(await previewPlan(plan)).toEqual({ code: 0, plan });
      const refreshed = await stack.refresh();
      expect(refreshed.events.filter((event) => event.diagnosticEvent?.severity === "error")).toEqual([]);
      expect(await previewPlan(planAfterRefresh)).toEqual({ code: 0, plan: planAfterRefresh });
      expect(requestLines(emulator).filter((line) => WRITES.test(line))).toEqual([]);

      if (planAfterRefresh.length > 0) {
        // A stack its version left mid-way (a partial failure) resumes in place under this one; one
        // at rest gets its scopes, and its images stay as they are.
        expect(plannedChanges(await stack.up())).toEqual(planAfterRefresh);
        expect(await previewPlan([])).toEqual({ code: 0, plan: [] });
      }
      const state = await stack.exportState();
      expect(customImages(state).map((image) => image.id)).toEqual(customImages(fixture.state).map((image) => image.id));
      expect(accountProblems(emulator, state)).toEqual([]);
    },
  );
});

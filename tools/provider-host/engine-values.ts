import type { JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";

/**
 * Values as Pulumi's engine puts them on the wire to a provider. The constants are the engine's own
 * (sdk/go/common/resource/plugin/rpc.go and properties.go in pulumi/pulumi); they are written out
 * here, not imported from the SDK or from src/, so that a test fails if either one drifts.
 */

/**
 * What an input not known yet during preview arrives as in `Check` and `Diff`, at any depth:
 * `regions: ["nyc3", UNKNOWN]` (https://github.com/pulumi/pulumi/blob/master/sdk/go/common/resource/plugin/rpc.go).
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The key under which a map names its special type, and the signature that means "secret". */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret as the engine marshals it with `KeepSecrets` (how `Configure` receives `pulumi config set --secret` values). */
export function engineSecret(value: string): { [SIG_KEY]: typeof SECRET_SIG; value: string } {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * A JS value as the engine could have sent it: object keys holding `undefined` are left out (the
 * engine's property maps cannot hold them, and `Struct.fromJavaScript` throws on them) and
 * `undefined` array elements become null, as the SDK serializes them.
 */
export function engineValue(value: unknown): JavaScriptValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((element) => engineValue(element));
  if (typeof value === "object") {
    const result: Record<string, JavaScriptValue> = {};
    for (const [key, element] of Object.entries(value)) if (element !== undefined) result[key] = engineValue(element);
    return result;
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  throw new TypeError(`the engine cannot send a ${typeof value}`);
}

/** `engineValue` for a property map (the top level of every request). */
export function engineProperties(properties: Record<string, unknown>): Record<string, JavaScriptValue> {
  return engineValue(properties) as Record<string, JavaScriptValue>;
}

/** The type the engine gives a CustomImage: the SDK's dynamic-resource type with the module and name CustomImage declares. */
export const CUSTOM_IMAGE_TYPE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";

/** The URN the engine gives a CustomImage named `name` in the example project. */
export function customImageUrn(name: string, { stack = "dev", project = "custom-image-basic" } = {}): string {
  return `urn:pulumi:${stack}::${project}::${CUSTOM_IMAGE_TYPE}::${name}`;
}

import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What the work under way is about, as a person reads it (`image "web" (123)`), for the messages
 * logged while it runs. Pulumi's dynamic-provider host logs without a resource, so the CLI shows
 * every message of the provider under the stack: a retry or a rate-limit wait of the client, shared
 * by every resource of a deployment, must name its resource itself.
 */
const subjects = new AsyncLocalStorage<string | undefined>();

/** Runs `work` with `subject` as the subject of everything it logs, awaited work included. */
export function withSubject<T>(subject: string | undefined, work: () => T): T {
  return subjects.run(subject, work);
}

/** The subject of the work under way, if any. */
export function currentSubject(): string | undefined {
  return subjects.getStore();
}

/**
 * `message` starting with its subject, unless it names it already (the image's name, with or
 * without the id that follows it in the subject).
 */
export function naming(message: string, subject: string | undefined = currentSubject()): string {
  if (subject === undefined || message.includes(subject.replace(/ \(\d+\)$/, ""))) return message;
  return `${subject}: ${message}`;
}

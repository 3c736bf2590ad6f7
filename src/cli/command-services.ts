/**
 * The one `Services` of a command: made when the command starts (opening nothing),
 * passed to what it runs, and closed when it ends, whatever happened.
 */
import { Services } from "../services.js";
import { runJsonAware } from "./project-options.js";

/** `runJsonAware` with a `Services` made for the body and closed after it. */
export function runWithServices(json: boolean | undefined, body: (services: Services) => Promise<void>): Promise<void> {
  const services = new Services();
  return runJsonAware(json, () => body(services), () => services.close());
}

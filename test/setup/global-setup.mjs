// Fails the run early, with the service named, when CI=true and a service the suite needs is absent.
import { checkServices } from './services.mjs';

export default async function globalSetup() {
  await checkServices();
}

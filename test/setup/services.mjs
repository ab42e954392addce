import net from 'node:net';

const SERVICES = [
  ['DATABASE_URL', 5432],
  ['MQTT_URL', 1883],
  ['NATS_URL', 4222],
];

function reachable(url, fallbackPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * With CI=true every service URL must be set and reachable: integration tests then run against the
 * real services and a missing one fails the run instead of silently using the embedded stand-in.
 */
export async function checkServices() {
  if (process.env.CI !== 'true') return;
  const problems = [];
  for (const [name, port] of SERVICES) {
    const url = process.env[name];
    if (!url) problems.push(`${name} is not set`);
    else if (!(await reachable(url, port))) problems.push(`${name}=${url} is not reachable`);
  }
  if (problems.length > 0) {
    throw new Error(`CI=true but required services are missing: ${problems.join('; ')}`);
  }
}

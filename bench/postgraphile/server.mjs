// PostGraphile v5 (Amber preset) over the `peer` schema, on node's http server:
// the peer the bench compares Passerelle's reads with. Started by bench/peer.py:
//   node server.mjs <connection string> <port>
// Production-like: no GraphiQL, no watch mode, no explain, default pool.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";

const [connectionString, port] = process.argv.slice(2);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: ["peer"] })],
  grafserv: { port: Number(port), graphiql: false, watch: false },
  grafast: { explain: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
serv.addTo(server).then(() => {
  server.listen(Number(port), "127.0.0.1", () => console.log(`peer listening on ${port}`));
}).catch((e) => { console.error(e); process.exit(1); });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => { server.close(); await pgl.release(); process.exit(0); });
}

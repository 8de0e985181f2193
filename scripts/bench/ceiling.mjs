// The ceiling: bare Fastify answering GET with the same JSON body as the API's cached week list,
// from memory. What this machine can do for that response with no framework, auth or database.
// Env: PORT, BODY_FILE (the JSON body, as the API sent it).
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.env.BODY_FILE, 'utf8');
const app = Fastify({ logger: false });
app.get('/*', (_req, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { RedisService } from '@app/cache';
import { AppConfig, CLIENT_NAMES } from '@app/config';
import type { Connection } from 'mongoose';
import { connectedDb, mongoServer, readyRedis } from './connections';
import type { Component } from './manifest';

/** What one datastore says about the API's connections to it. */
export type ApiConnections =
  | { component: Component; known: true; connections: number; hosts: string[] }
  | { component: Component; known: false; reason: string };

const isApiName = (name: unknown) =>
  typeof name === 'string' && (name === CLIENT_NAMES.api || name.startsWith(`${CLIENT_NAMES.api}:`));
const hostOf = (address: unknown) => (typeof address === 'string' ? address.replace(/:\d+$/, '') : '?');

/**
 * Counts the API's connections where the server lists its clients: MongoDB's `$currentOp` with
 * idle connections (this user's only, so no extra privilege is needed; the API and the ops CLI
 * share MONGODB_URI) by appName, Redis's CLIENT LIST by client name. A server that does not list
 * them (FerretDB lists none, not even this command's own) is "cannot tell", with the reason.
 */
@Injectable()
export class ApiConnectionsProbe {
  constructor(
    private readonly config: AppConfig,
    @InjectConnection() private readonly connection: Connection,
    private readonly redis: RedisService,
  ) {}

  async check(component: Component): Promise<ApiConnections> {
    return component === 'mongodb' ? this.mongodb() : this.redisClients();
  }

  private async mongodb(): Promise<ApiConnections> {
    const db = await connectedDb(this.connection);
    const admin = this.connection.getClient().db('admin');
    const unknown = async (why: string): Promise<ApiConnections> => {
      const server = await mongoServer(db).catch(() => ({ description: 'MongoDB' }));
      return { component: 'mongodb', known: false, reason: `${server.description} ${why}` };
    };
    let ops: Array<{ appName?: unknown; client?: unknown }>;
    try {
      ops = await admin
        .aggregate<{ appName?: unknown; client?: unknown }>([
          { $currentOp: { allUsers: false, idleConnections: true } },
          { $project: { _id: 0, appName: 1, client: 1 } },
        ])
        .toArray();
    } catch (stageErr) {
      // Servers without the stage may still have the command (the same list).
      try {
        const res = await admin.command({ currentOp: 1, $ownOps: true, $all: true });
        ops = Array.isArray(res.inprog) ? res.inprog : [];
      } catch (err) {
        return unknown(
          `refused $currentOp (${(stageErr as Error).message}) and currentOp (${(err as Error).message})`,
        );
      }
    }
    if (!ops.some((o) => o.appName === this.config.clientName))
      return unknown(`does not list client connections ($currentOp shows not even this command's own)`);
    const api = ops.filter((o) => isApiName(o.appName));
    return {
      component: 'mongodb',
      known: true,
      connections: api.length,
      hosts: [...new Set(api.map((o) => hostOf(o.client)))].sort(),
    };
  }

  private async redisClients(): Promise<ApiConnections> {
    const client = await readyRedis(this.redis);
    let list: string;
    try {
      list = String(await client.call('CLIENT', 'LIST'));
    } catch (err) {
      return {
        component: 'redis',
        known: false,
        reason: `Redis refused CLIENT LIST (${(err as Error).message})`,
      };
    }
    const clients = list
      .split('\n')
      .filter(Boolean)
      .map((line) =>
        Object.fromEntries(
          line.split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
        ),
      );
    const api = clients.filter((c) => isApiName(c.name));
    return {
      component: 'redis',
      known: true,
      connections: api.length,
      hosts: [...new Set(api.map((c) => hostOf(c.addr)))].sort(),
    };
  }
}

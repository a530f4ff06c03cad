import express, { Router, type Request, type Response } from 'express';
import type { ScimChaosOptions } from './chaos.js';
import type { ScimFault } from './middleware.js';
import type { ScimServer } from './server.js';

/**
 * Test control plane (no auth, never logged): inspect the request log, act
 * as the app's own admin (create, edit or delete behind the provisioner's
 * back) and inject faults.
 */
export function adminRouter(server: ScimServer): Router {
  const router = Router();
  router.use(express.json({ type: () => true }));

  router.get('/requests', (_req, res) => {
    res.json(server.requests);
  });
  router.delete('/requests', (_req, res) => {
    server.clearRequests();
    res.status(204).end();
  });

  router.get('/users', (_req, res) => {
    res.json(server.users());
  });
  router.post('/users', (req, res) => handle(res, async () => res.status(201).json(await server.createUser(body(req)))));
  router.patch('/users/:id', (req, res) => handle(res, () => res.json(server.editUser(req.params['id'] ?? '', body(req)))));
  router.delete('/users/:id', (req, res) => {
    res.status(server.deleteUser(req.params['id'] ?? '') ? 204 : 404).end();
  });

  router.get('/groups', (_req, res) => {
    res.json(server.groups());
  });
  router.post('/groups', (req, res) => handle(res, async () => res.status(201).json(await server.createGroup(body(req)))));
  router.delete('/groups/:id', (req, res) => {
    res.status(server.deleteGroup(req.params['id'] ?? '') ? 204 : 404).end();
  });

  router.post('/faults', (req, res) =>
    handle(res, () => {
      server.injectFault(body(req) as ScimFault);
      res.status(204).end();
    }),
  );
  router.post('/chaos', (req, res) =>
    handle(res, () => {
      server.setChaos(body(req) as unknown as ScimChaosOptions);
      res.status(204).end();
    }),
  );
  router.get('/chaos', (_req, res) => {
    res.json(server.chaosStats());
  });
  router.post('/token/revoke', (_req, res) => {
    server.revokeToken();
    res.status(204).end();
  });
  router.post('/token/restore', (_req, res) => {
    server.restoreToken();
    res.status(204).end();
  });
  router.delete('/faults', (_req, res) => {
    server.clearFaults();
    res.status(204).end();
  });
  return router;
}

function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object body');
  return value as Record<string, unknown>;
}

async function handle(res: Response, action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 400;
    res.status(Number.isInteger(status) && status >= 400 ? status : 400).json({ error: error instanceof Error ? error.message : String(error) });
  }
}

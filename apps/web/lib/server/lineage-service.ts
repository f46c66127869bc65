import { mayIn, type Principal } from '@refinery/auth';
import { LineageQuerySchema, parseLineageRef, type LineageGraph } from '@refinery/core';
import { lineageGraph, LineageNotFound } from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';

/**
 * GET /api/v1/lineage: parses ?node=&direction=&depth=, then walks the graph in the projects the
 * caller may read. A start node in any other project answers 404, like a missing one.
 */
export async function lineageQuery(server: ServerContext, params: URLSearchParams, principal: Principal, authorize: (projectId: string) => void): Promise<LineageGraph> {
  const parsed = LineageQuerySchema.safeParse(Object.fromEntries([...params].filter(([k]) => ['node', 'direction', 'depth'].includes(k))));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'query', message: i.message }));
    throw new HttpError(400, 'invalid_query', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  const { node, direction, depth } = parsed.data;
  const canRead = (projectId: string) => mayIn(principal, projectId, 'run.read');
  try {
    const graph = await lineageGraph(server.database.db, { ref: parseLineageRef(node)!, direction, depth, canRead });
    // The rule's check, for each project the answer shows (every node passed canRead already).
    for (const project of new Set(graph.nodes.map((n) => n.project))) authorize(project);
    return graph;
  } catch (err) {
    if (err instanceof LineageNotFound) throw new HttpError(404, 'not_found', err.message);
    throw err;
  }
}

import { getModel, listModels, moveAlias, RegistryError, rollbackAlias } from '@refinery/db';
import type { ServerContext } from './context';
import { HttpError } from './http';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function slug(value: string | undefined, what: string): string {
  if (!value || !SLUG.test(value)) throw new HttpError(400, 'invalid_path', `${what} must be lowercase letters, digits and dashes (got ${JSON.stringify(value ?? '')})`);
  return value;
}

/** RegistryError → the HTTP answer that says what is missing or why nothing moved. */
async function registry<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RegistryError) throw new HttpError(err.code === 'not_found' ? 404 : 409, err.code, err.message);
    throw err;
  }
}

export const listProjectModels = async (ctx: ServerContext, project: string) => ({ models: await listModels(ctx.database.db, project) });

export async function getProjectModel(ctx: ServerContext, project: string, name: string | undefined) {
  const model = await getModel(ctx.database.db, project, slug(name, 'the model name'));
  if (!model) throw new HttpError(404, 'not_found', `project ${project} has no model "${name}"`);
  return model;
}

/** Points an alias at a version (by hand: promote, or the same move again, which changes nothing). */
export async function promoteVersion(ctx: ServerContext, project: string, name: string | undefined, alias: string | undefined, version: number, actor: string) {
  const model = await getProjectModel(ctx, project, name);
  const report = await registry(() => moveAlias(ctx.database.db, { projectId: project, model: model.name, alias: slug(alias, 'the alias'), version, actor }));
  return { report, model: await getProjectModel(ctx, project, name) };
}

export async function rollbackModelAlias(ctx: ServerContext, project: string, name: string | undefined, alias: string | undefined, actor: string) {
  const model = await getProjectModel(ctx, project, name);
  const report = await registry(() => rollbackAlias(ctx.database.db, { projectId: project, model: model.name, alias: slug(alias, 'the alias'), actor }));
  return { report, model: await getProjectModel(ctx, project, name) };
}

import { type AuthStore, type AuthUser, MANAGE, type PermissionRules } from '@flowline/auth';
import { isMlflowError } from '@flowline/core';
import type { FastifyRequest } from 'fastify';
import { optionalParam } from './request-params.js';

/** What a response's after-effect can reach. */
export interface AfterContext {
  request: FastifyRequest;
  user: AuthUser;
  store: AuthStore;
  rules: PermissionRules;
  /** The same search again from another page, answered for the same user (and not filtered again). */
  refetch(overrides: { page_token: string; max_results: number }): Promise<Record<string, unknown>>;
}

/** Changes a successful response, or what follows from it, before it is sent (MLflow's after_request). */
export type AfterEffect = (
  ctx: AfterContext,
  payload: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

type Wire = Record<string, unknown>;

async function grantManage(create: () => Promise<unknown>, update: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    // A row left from an earlier resource of the same key (auth was off when it went) is taken over.
    if (!isMlflowError(error) || error.errorCode !== 'RESOURCE_ALREADY_EXISTS') throw error;
    await update();
  }
}

/** The creator of an experiment gets MANAGE on it. */
const experimentCreator: AfterEffect = async (ctx, payload) => {
  const id = payload.experiment_id;
  if (typeof id === 'string')
    await grantManage(
      () => ctx.store.createExperimentPermission(id, ctx.user.username, MANAGE.name),
      () => ctx.store.updateExperimentPermission(id, ctx.user.username, MANAGE.name),
    );
  return payload;
};

/** The creator of a registered model gets MANAGE on it. */
const modelCreator: AfterEffect = async (ctx, payload) => {
  const name = (payload.registered_model as Wire | undefined)?.name;
  if (typeof name === 'string')
    await grantManage(
      () => ctx.store.createRegisteredModelPermission(name, ctx.user.username, MANAGE.name),
      () => ctx.store.updateRegisteredModelPermission(name, ctx.user.username, MANAGE.name),
    );
  return payload;
};

/** Permissions on a deleted model go with it, so a new model of that name starts clean (MLflow 3). */
const modelDeleted: AfterEffect = async (ctx, payload) => {
  const name = optionalParam(ctx.request, 'name');
  if (name) await ctx.store.deleteRegisteredModelPermissions(name);
  return payload;
};

/** Permissions on a renamed model move to its new name, for every user. */
const modelRenamed: AfterEffect = async (ctx, payload) => {
  const name = optionalParam(ctx.request, 'name');
  const newName = optionalParam(ctx.request, 'new_name');
  if (name && newName) await ctx.store.renameRegisteredModelPermissions(name, newName);
  return payload;
};

/**
 * A search answer keeping only what the user may read, topped up from the following pages until it is as
 * long as the page the store gave (MLflow's `filter_search_*` refetch loop), with the token continuing
 * after the last item looked at.
 */
function filtered(
  field: string,
  readable: (ctx: AfterContext) => Promise<(item: Wire) => boolean>,
): AfterEffect {
  return async (ctx, payload) => {
    if (ctx.user.isAdmin) return payload;
    const items = (payload[field] as Wire[] | undefined) ?? [];
    const keep = await readable(ctx);
    const kept = items.filter(keep);
    if (kept.length === items.length) return payload;
    let token = typeof payload.next_page_token === 'string' ? payload.next_page_token : undefined;
    const wanted = items.length;
    while (token && kept.length < wanted) {
      const more = await ctx.refetch({ page_token: token, max_results: wanted - kept.length });
      kept.push(...((more[field] as Wire[] | undefined) ?? []).filter(keep));
      token =
        typeof more.next_page_token === 'string' && more.next_page_token !== ''
          ? more.next_page_token
          : undefined;
    }
    const { [field]: _dropped, next_page_token: _token, ...rest } = payload;
    return {
      ...rest,
      ...(kept.length ? { [field]: kept } : {}),
      ...(token ? { next_page_token: token } : {}),
    };
  };
}

const experiments = filtered('experiments', async (ctx) => {
  const readable = await ctx.rules.readableExperiments(ctx.user);
  return (e) => readable(String(e.experiment_id));
});
const models = filtered('registered_models', async (ctx) => {
  const readable = await ctx.rules.readableRegisteredModels(ctx.user);
  return (m) => readable(String(m.name));
});
const versions = filtered('model_versions', async (ctx) => {
  const readable = await ctx.rules.readableRegisteredModels(ctx.user);
  return (v) => readable(String(v.name));
});

/** After-effects by `ROUTE_RULES` key. */
export const AFTER_EFFECTS: Readonly<Record<string, AfterEffect>> = {
  'POST /mlflow/experiments/create': experimentCreator,
  'POST /mlflow/registered-models/create': modelCreator,
  'DELETE /mlflow/registered-models/delete': modelDeleted,
  'POST /mlflow/registered-models/rename': modelRenamed,
  'GET /mlflow/experiments/search': experiments,
  'POST /mlflow/experiments/search': experiments,
  'GET /mlflow/experiments/list': experiments,
  'GET /mlflow/registered-models/search': models,
  'POST /mlflow/registered-models/search': models,
  'GET /mlflow/model-versions/search': versions,
  'POST /mlflow/model-versions/search': versions,
};

import { Type } from '@sinclair/typebox';

// The wire shapes of MLflow's auth endpoints (mlflow/server/auth/__init__.py and entities.py): plain JSON,
// not proto JSON, so lists are always present.

const Str = Type.Optional(Type.String());

export const ExperimentPermissionOut = Type.Object({
  experiment_id: Type.String(),
  user_id: Type.Integer(),
  permission: Type.String(),
});

export const RegisteredModelPermissionOut = Type.Object({
  name: Type.String(),
  user_id: Type.Integer(),
  permission: Type.String(),
});

export const ScorerPermissionOut = Type.Object({
  experiment_id: Type.String(),
  scorer_name: Type.String(),
  user_id: Type.Integer(),
  permission: Type.String(),
});

/** MLflow's `User.to_json()`. */
export const UserOut = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  is_admin: Type.Boolean(),
  experiment_permissions: Type.Array(ExperimentPermissionOut),
  registered_model_permissions: Type.Array(RegisteredModelPermissionOut),
  scorer_permissions: Type.Array(ScorerPermissionOut),
});

export const AuthRequests = {
  username: Type.Object({ username: Str }),
  credentials: Type.Object({ username: Str, password: Str }),
  admin: Type.Object({ username: Str, is_admin: Type.Optional(Type.Boolean()) }),
  none: Type.Object({}),
  experimentPermission: Type.Object({ experiment_id: Str, username: Str, permission: Str }),
  modelPermission: Type.Object({ name: Str, username: Str, permission: Str }),
};

export const AuthResponses = {
  empty: Type.Object({}),
  user: Type.Object({ user: UserOut }),
  users: Type.Object({ users: Type.Array(Type.Object({ id: Type.Integer(), username: Type.String() })) }),
  /** Flowline's `users/current`: the caller, and what users without a permission row may do. */
  current: Type.Object({ user: UserOut, default_permission: Type.String() }),
  experimentPermission: Type.Object({ experiment_permission: ExperimentPermissionOut }),
  modelPermission: Type.Object({ registered_model_permission: RegisteredModelPermissionOut }),
};

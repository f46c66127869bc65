'use client';

import { useEffect } from 'react';
import { usePathname } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import type { Me } from '@refinery/core';
import { PROJECT_ROLES, can, type Action, type ProjectRole } from '@refinery/core/workflow-safe';
import { ApiRequestError, getMe } from './api';
import { isPublicPage, signInPath } from './paths';

export const ME_QUERY_KEY = ['me'] as const;
// Roles change rarely; member edits invalidate ['me'] themselves.
const ME_STALE_MS = 60_000;

export const isUnauthenticated = (err: unknown) => err instanceof ApiRequestError && err.status === 401;

// Several components use the hook; one navigation is enough.
let redirecting = false;

/**
 * The signed-in user and what they may do per project, shared by every component through the
 * ['me'] query. A 401 (no session, or an expired one) sends the browser to sign-in, except on
 * the public pages, which render without a user.
 */
export function useMe() {
  const pathname = usePathname() ?? '/';
  const query = useQuery({
    queryKey: ME_QUERY_KEY,
    queryFn: getMe,
    staleTime: ME_STALE_MS,
    retry: (count, err) => !isUnauthenticated(err) && count < 1,
  });
  const signedOut = isUnauthenticated(query.error);
  useEffect(() => {
    if (!signedOut || isPublicPage(pathname) || redirecting) return;
    redirecting = true;
    // A full load, so no other query's cached data outlives the session.
    window.location.assign(signInPath(pathname + window.location.search));
  }, [signedOut, pathname]);
  return query;
}

export const roleIn = (me: Me | undefined, project: string): ProjectRole | null => me?.projects.find((p) => p.id === project)?.role ?? null;

export const mayIn = (me: Me | undefined, project: string, action: Action) => me?.projects.find((p) => p.id === project)?.actions.includes(action) ?? false;

export const mayAnywhere = (me: Me | undefined, action: Action) => me?.projects.some((p) => p.actions.includes(action)) ?? false;

const rolesAllowing = (action: Action) => PROJECT_ROLES.filter((r) => can(r, action)).join(' or ');

/**
 * Why the user may not do `action` (in `project`, or in any project), for a tooltip or note;
 * null when they may, or while it is not yet known (the server decides in the end anyway).
 */
export function whyNot(me: Me | undefined, action: Action, verb: string, project?: string): string | null {
  if (!me) return null;
  if (project !== undefined) {
    if (mayIn(me, project, action)) return null;
    const role = roleIn(me, project);
    return role
      ? `Your role ${role} in ${project} cannot ${verb}; that needs ${rolesAllowing(action)}.`
      : `You are not a member of ${project}, so you cannot ${verb} there.`;
  }
  if (mayAnywhere(me, action)) return null;
  if (me.projects.length === 0) return `You are not a member of any project yet, so you cannot ${verb}; ask a project admin to add you.`;
  const roles = me.projects.map((p) => `${p.role} in ${p.id}`).join(', ');
  return `You cannot ${verb}: that needs ${rolesAllowing(action)} in a project, and you are ${roles}.`;
}

import { describe, expect, it } from 'vitest';
import { ACTIONS, can, PROJECT_ROLES, ROLE_PERMISSIONS, roleWithin, type Action } from '@refinery/core';
import { grantsForGroups, GroupRolesError, groupsFromClaims, parseGroupRoles } from '../src/sso';
import { projectsAllowing, roleIn, tokenStillValid, visibleProjects, type Principal } from '../src/principal';

describe('the role matrix', () => {
  it('gives admins every action and every role read access', () => {
    for (const action of Object.keys(ACTIONS) as Action[]) expect(can('admin', action), action).toBe(true);
    for (const role of PROJECT_ROLES) expect(can(role, 'run.read'), role).toBe(true);
  });

  it('keeps approval with reviewers and admins, and data changes with engineers and admins', () => {
    expect(PROJECT_ROLES.filter((r) => can(r, 'run.approve'))).toEqual(['reviewer', 'admin']);
    expect(PROJECT_ROLES.filter((r) => can(r, 'run.submit'))).toEqual(['ml_engineer', 'admin']);
    expect(PROJECT_ROLES.filter((r) => can(r, 'members.manage'))).toEqual(['admin']);
    expect(PROJECT_ROLES.filter((r) => can(r, 'data.erase'))).toEqual(['admin']);
    expect(PROJECT_ROLES.filter((r) => can(r, 'audit.read'))).toEqual(['reviewer', 'admin']);
    expect(can(null, 'run.read')).toBe(false);
  });

  it('orders roles by what they allow, not by rank: reviewer and ml_engineer are not within each other', () => {
    expect(roleWithin('viewer', 'reviewer')).toBe(true);
    expect(roleWithin('reviewer', 'ml_engineer')).toBe(false);
    expect(roleWithin('ml_engineer', 'reviewer')).toBe(false);
    for (const role of PROJECT_ROLES) expect(roleWithin(role, 'admin')).toBe(true);
    for (const role of PROJECT_ROLES) expect(roleWithin(role, role)).toBe(true);
    expect(Object.values(ROLE_PERMISSIONS).flat().every((a) => a in ACTIONS)).toBe(true);
  });
});

describe('principals', () => {
  const user = (memberships: [string, 'viewer' | 'admin' | 'ml_engineer'][], instanceAdmin = false): Principal => ({ kind: 'user', userId: 'u', email: 'u@x', name: 'U', instanceAdmin, memberships: new Map(memberships) });

  it('see only their projects; instance admins see all; a token sees its one project', () => {
    expect(visibleProjects(user([['a', 'viewer']]))).toEqual(['a']);
    expect(visibleProjects(user([], true))).toBe('all');
    expect(roleIn(user([], true), 'anything')).toBe('admin');
    const token: Principal = { kind: 'token', tokenId: 't', userId: 'u', projectId: 'a', role: 'viewer' };
    expect(visibleProjects(token)).toEqual(['a']);
    expect(roleIn(token, 'b')).toBeNull();
    expect(projectsAllowing(user([['a', 'viewer'], ['b', 'admin']]), 'tokens.manage')).toEqual(['b']);
  });

  it('disable a token whose creator left the project or fell below its role', () => {
    expect(tokenStillValid('ml_engineer', 'ml_engineer')).toBe(true);
    expect(tokenStillValid('viewer', 'reviewer')).toBe(true);
    expect(tokenStillValid('ml_engineer', 'viewer')).toBe(false);
    expect(tokenStillValid('viewer', null)).toBe(false);
  });
});

describe('SSO group mapping', () => {
  const mapping = parseGroupRoles(JSON.stringify({ eng: ['demo:ml_engineer', 'other:viewer'], rev: ['demo:reviewer'], it: ['instance_admin'] }));

  it('grants the strongest mapped role per project and instance admin from its group', () => {
    expect(grantsForGroups(['rev', 'eng'], mapping)).toEqual({
      instanceAdmin: false,
      memberships: [
        { projectId: 'demo', role: 'ml_engineer' },
        { projectId: 'other', role: 'viewer' },
      ],
    });
    expect(grantsForGroups(['it', 'unknown'], mapping)).toEqual({ instanceAdmin: true, memberships: [] });
    expect(grantsForGroups([], mapping)).toEqual({ instanceAdmin: false, memberships: [] });
  });

  it('refuses a malformed mapping with the offending entry named', () => {
    expect(() => parseGroupRoles('{')).toThrow(GroupRolesError);
    expect(() => parseGroupRoles('{"g": ["demo:owner"]}')).toThrow(/"demo:owner"/);
    expect(() => parseGroupRoles('{"g": "demo:viewer"}')).toThrow(/must be an array/);
    expect(parseGroupRoles(undefined).size).toBe(0);
  });

  it('reads groups as a list or a space/comma-separated string', () => {
    expect(groupsFromClaims({ groups: ['a', 'b', 3] })).toEqual(['a', 'b']);
    expect(groupsFromClaims({ groups: 'a, b c' })).toEqual(['a', 'b', 'c']);
    expect(groupsFromClaims({})).toEqual([]);
  });
});

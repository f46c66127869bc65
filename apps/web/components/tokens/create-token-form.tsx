'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreatedToken } from '@refinery/core';
import { PROJECT_ROLES, ROLE_DESCRIPTIONS, roleWithin, type ProjectRole } from '@refinery/core/workflow-safe';
import { Card, EmptyState, buttonClasses, fieldClasses } from '@/components/ui';
import { createToken } from '@/lib/client/api';
import { useMe } from '@/lib/client/use-me';

const DEFAULT_EXPIRY_DAYS = 30;
const MAX_EXPIRY_DAYS = 365;

/**
 * New token: a project where the user may create tokens, and a role within their own there (the
 * server refuses anything higher). The role starts at the least one, viewer.
 */
export function CreateTokenForm({ onCreated }: { onCreated: (t: CreatedToken) => void }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const projects = me?.projects.filter((p) => p.actions.includes('tokens.create')) ?? [];
  const [name, setName] = useState('');
  const [projectChoice, setProjectChoice] = useState<string | null>(null);
  const [roleChoice, setRoleChoice] = useState<ProjectRole | null>(null);
  const [expiry, setExpiry] = useState(String(DEFAULT_EXPIRY_DAYS));

  // Choices fall back to the first valid option until the user picks one (and when a project
  // change makes the picked role too high).
  const project = projects.find((p) => p.id === projectChoice) ?? projects[0];
  const roles = project ? PROJECT_ROLES.filter((r) => roleWithin(r, project.role)) : [];
  const role = roleChoice && roles.includes(roleChoice) ? roleChoice : roles[0];

  const create = useMutation({
    mutationFn: () => createToken({ name: name.trim(), project: project!.id, role: role!, expiresInDays: Number(expiry) }),
    onSuccess: (token) => {
      setName('');
      onCreated(token);
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });

  if (!me) return null;
  if (!project || !role) {
    return (
      <Card title="New token">
        <EmptyState>You are not a member of any project, so you cannot create tokens; ask a project admin to add you.</EmptyState>
      </Card>
    );
  }

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!create.isPending) create.mutate();
  };
  const edited = () => {
    if (create.isError) create.reset();
  };

  return (
    <Card title="New token">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 px-4 py-3" aria-label="New token">
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Name
          <input
            required
            maxLength={100}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              edited();
            }}
            placeholder="ci-pipeline"
            className={`${fieldClasses.input} w-56`}
            data-testid="token-name"
          />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Project
          <select
            value={project.id}
            onChange={(e) => {
              setProjectChoice(e.target.value);
              edited();
            }}
            className={fieldClasses.select}
            data-testid="token-project"
          >
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name === p.id ? p.id : `${p.name} (${p.id})`}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Role
          <select
            value={role}
            onChange={(e) => {
              setRoleChoice(e.target.value as ProjectRole);
              edited();
            }}
            className={fieldClasses.select}
            data-testid="token-role"
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Expires in (days)
          <input
            type="number"
            required
            min={1}
            max={MAX_EXPIRY_DAYS}
            step={1}
            value={expiry}
            onChange={(e) => {
              setExpiry(e.target.value);
              edited();
            }}
            className={`${fieldClasses.input} w-28`}
            data-testid="token-expiry"
          />
        </label>
        <button type="submit" className={buttonClasses.primary} disabled={create.isPending} data-testid="token-create">
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
        <p className="basis-full text-xs text-slate-500">
          {role}: {ROLE_DESCRIPTIONS[role]}. You are {project.role} in {project.id}
          {roles.length < PROJECT_ROLES.length ? `, so a token there can be at most ${roles.join(', ')}` : ''}.
        </p>
        {create.isError && (
          <p role="alert" data-testid="token-create-error" className="basis-full text-sm text-red-700">
            {create.error.message}
          </p>
        )}
      </form>
    </Card>
  );
}

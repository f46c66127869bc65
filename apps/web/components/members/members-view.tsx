'use client';

import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Member } from '@refinery/core';
import { PROJECT_ROLES, ROLE_DESCRIPTIONS, type ProjectRole } from '@refinery/core/workflow-safe';
import { Card, EmptyState, ErrorBanner, buttonClasses, fieldClasses } from '@/components/ui';
import { ApiRequestError, addMember, changeMemberRole, listMembers, removeMember } from '@/lib/client/api';
import { formatRelative, formatTimestamp } from '@/lib/client/format';
import { ME_QUERY_KEY, mayIn, roleIn, useMe } from '@/lib/client/use-me';

/** A project's members; admins (members.manage) add, re-role and remove them, everyone else reads. */
export function MembersView({ project }: { project: string }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const myRole = roleIn(me, project);
  const canManage = mayIn(me, project, 'members.manage');
  const membersKey = ['members', project];
  const members = useQuery({
    queryKey: membersKey,
    queryFn: () => listMembers(project),
    retry: (count, err) => !(err instanceof ApiRequestError && err.status === 404) && count < 1,
  });

  // One error line for whichever change failed last.
  const [error, setError] = useState<string | null>(null);
  const afterChange = (userId: string) => {
    void queryClient.invalidateQueries({ queryKey: membersKey });
    // Changing one's own membership changes what the rest of the dashboard may show.
    if (userId === me?.user.id) void queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
  };
  const mutationOptions = { onMutate: () => setError(null), onError: (err: Error) => setError(err.message) };
  const changeRole = useMutation({ mutationFn: (v: { userId: string; role: ProjectRole }) => changeMemberRole(project, v.userId, v.role), ...mutationOptions, onSuccess: (_, v) => afterChange(v.userId) });
  const remove = useMutation({ mutationFn: (userId: string) => removeMember(project, userId), ...mutationOptions, onSuccess: (_, userId) => afterChange(userId) });
  const busyUser = changeRole.isPending ? changeRole.variables.userId : remove.isPending ? remove.variables : null;

  return (
    <div className="space-y-4">
      <div>
        <nav aria-label="Breadcrumb" className="text-xs font-medium uppercase tracking-wide text-slate-500">
          Project {project}
        </nav>
        <h1 className="text-xl font-semibold tracking-tight">Members</h1>
        {me && myRole && !canManage && (
          <p className="mt-1 text-sm text-slate-500" data-testid="members-readonly">
            Read-only: your role {myRole} can view members; only admins manage them.
          </p>
        )}
      </div>

      {members.isError && (
        <ErrorBanner
          testId="members-load-error"
          title={members.error instanceof ApiRequestError && members.error.status === 404 ? 'Project not found' : 'Could not load members'}
          message={members.error.message}
        />
      )}
      {error && <ErrorBanner testId="members-error" title="The change was not made" message={error} />}

      <Card title="People with access">
        {members.isPending ? (
          <EmptyState>Loading members…</EmptyState>
        ) : !members.data?.length ? (
          <EmptyState>{members.isError ? 'No members to show.' : 'This project has no members.'}</EmptyState>
        ) : (
          <table className="data-table" data-testid="members-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Source</th>
                <th scope="col">Added</th>
                {canManage && (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <MemberRow
                  key={m.userId}
                  member={m}
                  isMe={m.userId === me?.user.id}
                  canManage={canManage}
                  busy={busyUser === m.userId}
                  onRole={(role) => changeRole.mutate({ userId: m.userId, role })}
                  onRemove={() => remove.mutate(m.userId)}
                />
              ))}
            </tbody>
          </table>
        )}
      </Card>

      {canManage && <AddMemberForm project={project} onAdded={(m) => afterChange(m.userId)} />}

      <p className="text-sm">
        <Link href="/" className="text-emerald-700 underline">
          Back to runs
        </Link>
      </p>
    </div>
  );
}

interface MemberRowProps {
  member: Member;
  isMe: boolean;
  canManage: boolean;
  busy: boolean;
  onRole: (role: ProjectRole) => void;
  onRemove: () => void;
}

function MemberRow({ member: m, isMe, canManage, busy, onRole, onRemove }: MemberRowProps) {
  return (
    <tr data-testid="member-row" data-email={m.email} data-role={m.role} className="hover:bg-slate-50">
      <td className="font-medium text-slate-800">
        {m.name}
        {isMe && <span className="ml-1.5 text-xs font-normal text-slate-500">(you)</span>}
      </td>
      <td className="text-slate-600">{m.email}</td>
      <td>
        {/* Read-only viewers get the same control, disabled, so the role reads the same for everyone. */}
        <select
          aria-label={`Role of ${m.email}`}
          value={m.role}
          disabled={!canManage || busy}
          title={canManage ? ROLE_DESCRIPTIONS[m.role] : `${m.role}: ${ROLE_DESCRIPTIONS[m.role]}. Only admins change roles.`}
          onChange={(e) => onRole(e.target.value as ProjectRole)}
          className={fieldClasses.select}
          data-testid="member-role"
        >
          {PROJECT_ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td className="text-slate-600" title={m.source === 'sso' ? 'granted by an SSO group at sign-in' : 'added by a project admin'}>
        {m.source === 'sso' ? 'SSO group' : 'manual'}
      </td>
      <td className="whitespace-nowrap text-slate-600" title={formatTimestamp(m.addedAt)}>
        {formatRelative(m.addedAt)}
      </td>
      {canManage && (
        <td className="text-right">
          <button type="button" className={buttonClasses.danger} disabled={busy} onClick={onRemove} data-testid="member-remove">
            Remove
          </button>
        </td>
      )}
    </tr>
  );
}

function AddMemberForm({ project, onAdded }: { project: string; onAdded: (m: Member) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<ProjectRole>('viewer');
  const add = useMutation({
    mutationFn: () => addMember(project, email.trim(), role),
    onSuccess: (m) => {
      setEmail('');
      onAdded(m);
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!add.isPending) add.mutate();
  };
  return (
    <Card title="Add a member">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 px-4 py-3" aria-label="Add a member">
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Email of an existing account
          <input
            type="email"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
              if (add.isError) add.reset();
            }}
            placeholder="name@example.com"
            className={`${fieldClasses.input} w-72`}
            data-testid="member-add-email"
          />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as ProjectRole)} className={fieldClasses.select} data-testid="member-add-role">
            {PROJECT_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className={buttonClasses.primary} disabled={add.isPending} data-testid="member-add-submit">
          {add.isPending ? 'Adding…' : 'Add member'}
        </button>
        <p className="basis-full text-xs text-slate-500">
          {role}: {ROLE_DESCRIPTIONS[role]}.
        </p>
        {add.isError && (
          <p role="alert" data-testid="member-add-error" className="basis-full text-sm text-red-700">
            {add.error.message}
          </p>
        )}
      </form>
    </Card>
  );
}

import type { Metadata } from 'next';
import { MembersView } from '@/components/members/members-view';

export const metadata: Metadata = { title: 'Members' };

export default async function MembersPage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <MembersView project={project} />;
}

import type { Metadata } from 'next';
import { ProjectQueueView } from '@/components/quotas/project-queue-view';

export const metadata: Metadata = { title: 'Queue' };

export default async function ProjectQueuePage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <ProjectQueueView project={project} />;
}

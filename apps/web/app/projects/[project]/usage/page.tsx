import type { Metadata } from 'next';
import { ProjectUsageView } from '@/components/usage/project-usage-view';

export const metadata: Metadata = { title: 'Usage' };

export default async function ProjectUsagePage({ params }: { params: Promise<{ project: string }> }) {
  const { project } = await params;
  return <ProjectUsageView project={project} />;
}

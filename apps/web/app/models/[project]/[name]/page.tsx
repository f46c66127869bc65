import type { Metadata } from 'next';
import { ModelView } from '@/components/models/model-view';

export const metadata: Metadata = { title: 'Model' };

export default async function ModelPage({ params }: { params: Promise<{ project: string; name: string }> }) {
  const { project, name } = await params;
  return <ModelView project={decodeURIComponent(project)} name={decodeURIComponent(name)} />;
}

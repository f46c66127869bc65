import type { Metadata } from 'next';
import { ErasureView } from '@/components/erasure/erasure-view';

export const metadata: Metadata = { title: 'Erasure requests' };

export default function ErasurePage() {
  return <ErasureView />;
}

import type { Metadata } from 'next';
import { NavBar } from '@/components/layout/nav-bar';
import { QueryProvider } from '@/components/layout/query-provider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Refinery', template: '%s · Refinery' },
  description: 'Fine-tune small language models on private data',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <QueryProvider>
          <NavBar />
          <main className="mx-auto max-w-7xl px-4 py-6">{children}</main>
        </QueryProvider>
      </body>
    </html>
  );
}

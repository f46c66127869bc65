import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="space-y-2 py-12 text-center">
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="text-sm text-slate-500">There is nothing at this address.</p>
      <Link href="/" className="text-sm text-emerald-700 underline">
        Go to runs
      </Link>
    </div>
  );
}

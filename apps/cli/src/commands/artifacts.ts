import { Command } from 'commander';
import { extractVerifiedDirectory, readVerifiedManifest, saveVerifiedFile } from '../download';
import { authedApi, type GlobalOpts } from './auth';

/** The filename from `Content-Disposition: attachment; filename="..."`, reduced to a safe base name. */
function filenameOf(res: Response, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
  const name = m?.[1]?.replace(/[^\w.-]/g, '_');
  return name && !/^\.+$/.test(name) ? name : fallback;
}

/** `refinery artifacts download`: streams an artifact to disk, verifying its sha256 on the way. */
export function artifactsCommand(globals: () => GlobalOpts): Command {
  const artifacts = new Command('artifacts').description("download a run's artifacts (ids are in `refinery runs get <id>`)");
  const api = () => authedApi(globals);

  artifacts
    .command('download <id>')
    .description(
      'download an artifact: a file is written to <path> (default: its name, in the current directory) and checked against its sha256; ' +
        'a directory (adapter, merged model, checkpoint) is untarred into <path> and every file checked against the directory manifest. ' +
        'Nothing is left behind when a check fails.',
    )
    .option('-o, --output <path>', 'where to write the file, or the directory to create')
    .option('--force', 'replace <path> if it exists')
    .action(async (id: string, o: { output?: string; force?: boolean }) => {
      const { json } = globals();
      const res = await api().artifactContent(id);
      const kind = res.headers.get('x-refinery-artifact-kind') ?? 'artifact';
      const manifestSha = res.headers.get('x-refinery-manifest-sha256');
      let result: Record<string, unknown>;
      if (manifestSha) {
        const target = o.output ?? filenameOf(res, `${kind}-${manifestSha.slice(0, 12)}.tar`).replace(/\.tar$/, '');
        const manifestRes = await api().artifactContent(id, 'manifest');
        const manifest = await readVerifiedManifest(manifestRes.body!, manifestSha);
        const done = await extractVerifiedDirectory(res.body!, target, manifest, { force: o.force });
        result = { id, kind, path: target, directory: true, manifestSha256: manifestSha, files: done.files, bytes: done.bytes };
        console.log(json ? JSON.stringify(result) : `downloaded ${kind} ${id} into ${target}/: ${done.files} file(s), ${done.bytes} bytes, each matching the manifest's sha256 (${manifestSha})`);
      } else {
        const sha = res.headers.get('x-content-sha256');
        if (!sha || !/^[0-9a-f]{64}$/.test(sha)) throw new Error(`the server sent no X-Content-SHA256 header for ${id}; cannot verify the download, so nothing was written`);
        const target = o.output ?? filenameOf(res, `${kind}-${sha.slice(0, 12)}`);
        const done = await saveVerifiedFile(res.body!, target, sha, { force: o.force });
        result = { id, kind, path: target, directory: false, sha256: done.sha256, bytes: done.bytes };
        console.log(json ? JSON.stringify(result) : `downloaded ${kind} ${id} to ${target}: ${done.bytes} bytes, sha256 ${done.sha256} verified`);
      }
    });

  return artifacts;
}

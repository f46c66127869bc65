import { Command, Option } from 'commander';
import { LINEAGE_DEFAULT_DEPTH, LINEAGE_DIRECTIONS, LINEAGE_MAX_DEPTH, LINEAGE_REF_HELP, parseLineageRef } from '@refinery/core';
import { lineageTree } from '../lineage-tree';
import { authedApi, print, type GlobalOpts } from './auth';
import { UsageError } from './redact';

/** `refinery lineage <ref>`: the lineage graph around an artifact, run or registry version, as a tree (or the API's JSON). */
export function lineageCommand(globals: () => GlobalOpts): Command {
  return new Command('lineage')
    .description(`where an artifact, run or model version came from and what was made from it; <ref> is ${LINEAGE_REF_HELP}`)
    .argument('<ref>', 'the start node')
    .addOption(new Option('--direction <direction>', 'up: where it came from; down: what was made from it').choices([...LINEAGE_DIRECTIONS]).default('both'))
    .option('--depth <n>', `steps to follow (1-${LINEAGE_MAX_DEPTH})`, String(LINEAGE_DEFAULT_DEPTH))
    .option('--json', "the API's JSON body instead of a tree")
    .action(async (ref: string, o: { direction: string; depth: string; json?: boolean }) => {
      if (!parseLineageRef(ref)) throw new UsageError(`"${ref}" is not a lineage start node; use ${LINEAGE_REF_HELP}`);
      const depth = Number(o.depth);
      if (!Number.isInteger(depth) || depth < 1 || depth > LINEAGE_MAX_DEPTH) throw new UsageError(`--depth must be an integer from 1 to ${LINEAGE_MAX_DEPTH}; got "${o.depth}"`);
      const graph = await authedApi(globals).lineage(ref, { direction: o.direction, depth });
      print(o.json || globals().json, graph, () => lineageTree(graph));
    });
}

#!/usr/bin/env node
// `node --max-old-space-size=8000 scripts/heap-summary.mjs <a.heapsnapshot> [b.heapsnapshot …]`:
// what a V8 heap snapshot holds, for comparing snapshots of one process taken at different times
// (e.g. `BENCH_E2E_MEMORY_SNAPSHOTS=3,5,10 npm run bench -- e2e --memory`). Per snapshot: the
// total self size; self size and count by constructor (top 25); and the retained size (dominator
// tree, weak edges ignored) of the largest objects whose class is one of Aisle's own (name given
// with --classes, default the stateful services), plus the top retainers overall. With several
// snapshots, a last table gives self size by constructor side by side.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const classesArg = args.find((a) => a.startsWith('--classes='));
const files = args.filter((a) => !a.startsWith('--'));
// --breakdown=Sessioniser,LocalisationEngine: inside the largest object of each class, self size
// grouped by how each object is held (its dominator's class, the edge, its own class).
const breakdown = (
  args.find((a) => a.startsWith('--breakdown='))?.slice('--breakdown='.length) ?? ''
)
  .split(',')
  .filter(Boolean);
const wanted = new Set(
  (classesArg
    ? classesArg.slice('--classes='.length)
    : 'Sessioniser,WifiOccupancyService,SightingWriter,LocalisationEngine,PosteriorEngine,LocalisationService,AggregationService,PositionsService,SensitiveZoneScrubber,MqttClientPort,HeatCells,PendingPositions,Map,Set,Array'
  ).split(','),
);
if (files.length === 0) {
  console.error(
    'usage: node --max-old-space-size=8000 scripts/heap-summary.mjs <file.heapsnapshot>…',
  );
  process.exit(2);
}

const mb = (b) => (b / 1048576).toFixed(1);
const bySnapshot = [];

for (const file of files) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const N = snap.nodes.length / nf;
  const nodes = snap.nodes;
  const edges = snap.edges;
  const strings = snap.strings;
  const fType = meta.node_fields.indexOf('type');
  const fName = meta.node_fields.indexOf('name');
  const fSelf = meta.node_fields.indexOf('self_size');
  const fEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eTo = meta.edge_fields.indexOf('to_node');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const weak = edgeTypes.indexOf('weak');
  const shortcut = edgeTypes.indexOf('shortcut');
  const firstEdge = new Uint32Array(N + 1);
  for (let i = 0, e = 0; i < N; i += 1) {
    firstEdge[i] = e;
    e += nodes[i * nf + fEdges] * ef;
    firstEdge[i + 1] = e;
  }
  const label = (i) => {
    const type = nodeTypes[nodes[i * nf + fType]];
    const name = strings[nodes[i * nf + fName]];
    if (type === 'object' || type === 'closure' || type === 'native') return name;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string')
      return '(string)';
    if (type === 'number') return '(heap number)';
    if (type === 'array') return `(array ${name})`;
    if (type === 'code') return '(code)';
    if (type === 'hidden') return `(hidden ${name})`;
    return `(${type}) ${name}`.slice(0, 60);
  };
  let total = 0;
  const byName = new Map();
  for (let i = 0; i < N; i += 1) {
    const s = nodes[i * nf + fSelf];
    total += s;
    const key = label(i);
    const v = byName.get(key) ?? { size: 0, count: 0 };
    v.size += s;
    v.count += 1;
    byName.set(key, v);
  }
  // Dominators (Cooper, Harvey, Kennedy): reverse postorder from the root, then iterate.
  const order = new Int32Array(N).fill(-1); // postorder number
  const post = new Uint32Array(N);
  let count = 0;
  const stack = new Uint32Array(N);
  const cursor = new Uint32Array(N);
  let sp = 0;
  stack[sp++] = 0;
  cursor[0] = firstEdge[0];
  const seen = new Uint8Array(N);
  seen[0] = 1;
  while (sp > 0) {
    const v = stack[sp - 1];
    let pushed = false;
    while (cursor[v] < firstEdge[v + 1]) {
      const e = cursor[v];
      cursor[v] += ef;
      const t = edges[e + eType];
      if (t === weak || t === shortcut) continue;
      const w = edges[e + eTo] / nf;
      if (!seen[w]) {
        seen[w] = 1;
        cursor[w] = firstEdge[w];
        stack[sp++] = w;
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      sp -= 1;
      order[v] = count;
      post[count++] = v;
    }
  }
  // predecessors (reachable only)
  const predCount = new Uint32Array(N + 1);
  for (let v = 0; v < N; v += 1) {
    if (!seen[v]) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += ef) {
      const t = edges[e + eType];
      if (t === weak || t === shortcut) continue;
      predCount[edges[e + eTo] / nf + 1] += 1;
    }
  }
  for (let i = 0; i < N; i += 1) predCount[i + 1] += predCount[i];
  const preds = new Uint32Array(predCount[N]);
  const fill = predCount.slice(0, N);
  for (let v = 0; v < N; v += 1) {
    if (!seen[v]) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += ef) {
      const t = edges[e + eType];
      if (t === weak || t === shortcut) continue;
      const w = edges[e + eTo] / nf;
      preds[fill[w]++] = v;
    }
  }
  const idom = new Int32Array(N).fill(-1);
  idom[0] = 0;
  const intersect = (a, b) => {
    while (a !== b) {
      while (order[a] < order[b]) a = idom[a];
      while (order[b] < order[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true, pass = 0; changed; pass += 1) {
    changed = false;
    for (let k = count - 2; k >= 0; k -= 1) {
      const v = post[k];
      let d = -1;
      for (let p = predCount[v]; p < predCount[v + 1]; p += 1) {
        const u = preds[p];
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(N);
  for (let k = 0; k < count; k += 1) {
    const v = post[k];
    retained[v] += nodes[v * nf + fSelf];
    if (v !== 0) retained[idom[v]] += retained[v];
  }
  // Largest retainers among wanted classes, and overall (not counting synthetic roots).
  const own = [];
  const top = [];
  for (let v = 1; v < N; v += 1) {
    if (!seen[v]) continue;
    const type = nodeTypes[nodes[v * nf + fType]];
    if (type === 'synthetic') continue;
    const name = label(v);
    if (retained[v] > 256 * 1024) {
      if (wanted.has(name)) own.push([v, retained[v]]);
      top.push([v, retained[v]]);
    }
  }
  const describe = (v) => {
    // the edge by which its dominator (or first predecessor) holds it
    let via = '';
    for (let p = predCount[v]; p < predCount[v + 1]; p += 1) {
      const u = preds[p];
      for (let e = firstEdge[u]; e < firstEdge[u + 1]; e += ef) {
        if (edges[e + eTo] / nf !== v) continue;
        const t = edgeTypes[edges[e + eType]];
        const n = edges[e + eName];
        via = `${label(u)}.${t === 'element' || t === 'hidden' ? `[${n}]` : strings[n]}`;
        break;
      }
      if (via) break;
    }
    return `${label(v)} (via ${via.slice(0, 80)})`;
  };
  own.sort((a, b) => b[1] - a[1]);
  top.sort((a, b) => b[1] - a[1]);
  console.log(
    `\n=== ${file}\nnodes ${N}, total self size ${mb(total)} MB, reachable ${mb(retained[0])} MB`,
  );
  console.log('\nself size by constructor (top 25):');
  const names = [...byName].sort((a, b) => b[1].size - a[1].size);
  for (const [name, v] of names.slice(0, 25)) {
    console.log(
      `  ${mb(v.size).padStart(8)} MB ${String(v.count).padStart(9)}  ${name.slice(0, 70)}`,
    );
  }
  console.log('\nretained size, own classes (top 25):');
  for (const [v, r] of own.slice(0, 25)) console.log(`  ${mb(r).padStart(8)} MB  ${describe(v)}`);
  console.log('\nretained size, any object (top 25):');
  for (const [v, r] of top.slice(0, 25)) console.log(`  ${mb(r).padStart(8)} MB  ${describe(v)}`);
  const edgeName = (u, v) => {
    for (let e = firstEdge[u]; e < firstEdge[u + 1]; e += ef) {
      if (edges[e + eTo] / nf !== v) continue;
      const t = edgeTypes[edges[e + eType]];
      const n = edges[e + eName];
      return t === 'element' || t === 'hidden' ? '[]' : String(strings[n]);
    }
    return '?';
  };
  for (const cls of breakdown) {
    const root =
      own.find(([v]) => label(v) === cls)?.[0] ?? top.find(([v]) => label(v) === cls)?.[0];
    if (root === undefined) continue;
    const children = new Map();
    for (let v = 1; v < N; v += 1) {
      if (!seen[v]) continue;
      const d = idom[v];
      let list = children.get(d);
      if (!list) children.set(d, (list = []));
      list.push(v);
    }
    const groups = new Map();
    const walk = [root];
    while (walk.length > 0) {
      const v = walk.pop();
      for (const w of children.get(v) ?? []) {
        const up = v === root ? '' : `${label(idom[v])}.${edgeName(idom[v], v)} → `;
        const key = `${up}${label(v)}.${edgeName(v, w)} → ${label(w)}`;
        const g = groups.get(key) ?? { size: 0, count: 0 };
        g.size += nodes[w * nf + fSelf];
        g.count += 1;
        groups.set(key, g);
        walk.push(w);
      }
    }
    console.log(
      `\ninside ${cls} (${mb(retained[root])} MB retained), self size by holder.edge → class (top 20):`,
    );
    for (const [k, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, 20)) {
      console.log(
        `  ${mb(g.size).padStart(8)} MB ${String(g.count).padStart(9)}  ${k.slice(0, 140)}`,
      );
    }
  }
  bySnapshot.push({ file, total, byName });
}

if (bySnapshot.length > 1) {
  console.log('\nself size by constructor, MB, side by side (largest change first):');
  const keys = new Set(bySnapshot.flatMap((s) => [...s.byName.keys()]));
  const rows = [...keys].map((k) => [k, bySnapshot.map((s) => s.byName.get(k)?.size ?? 0)]);
  rows.sort((a, b) => Math.abs(b[1].at(-1) - b[1][0]) - Math.abs(a[1].at(-1) - a[1][0]));
  console.log(`  ${bySnapshot.map((s) => mb(s.total).padStart(8)).join(' ')}  (total)`);
  for (const [k, sizes] of rows.slice(0, 30)) {
    console.log(`  ${sizes.map((s) => mb(s).padStart(8)).join(' ')}  ${k.slice(0, 70)}`);
  }
}
